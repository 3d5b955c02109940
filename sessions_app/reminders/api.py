"""/api/v1/reminders/ (practice admins: list, resend). The same service as the operations page's
resend: a reminder that is not failed is a 409."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsPracticeAdmin
from kap_clinic.common.api import Pagination
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.serializers import ReminderFilterSerializer, ReminderSerializer
from sessions_app.reminders.services.resend import reminder_resend


class ReminderListApi(APIView):
    permission_classes = [IsPracticeAdmin]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(parameters=[ReminderFilterSerializer], responses=ReminderSerializer(many=True))
    def get(self, request):
        """Reminders, most recently changed first (practice admins; no message content)."""
        filters = ReminderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Reminder.objects.select_related("patient", "session").order_by("-updated_at", "-id")
        if "status" in filters.validated_data:
            qs = qs.filter(status=filters.validated_data["status"])
        if "patient" in filters.validated_data:
            qs = qs.filter(patient__public_id=filters.validated_data["patient"])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ReminderSerializer(page, many=True).data)


class ReminderResendApi(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(request=None, responses={202: ReminderSerializer})
    def post(self, request, public_id):
        """Send a failed reminder again (409 when it is not failed)."""
        reminder = Reminder.objects.select_related("patient", "session").filter(public_id=public_id).first()
        if reminder is None:
            raise Http404("No reminder matches the given query.")
        reminder = reminder_resend(actor=request.user, reminder=reminder)
        return Response(ReminderSerializer(reminder).data, status=status.HTTP_202_ACCEPTED)
