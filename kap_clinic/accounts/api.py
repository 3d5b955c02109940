"""Token login and staff management over the API."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from kap_clinic.audit.services import audit_record
from kap_clinic.common.api import Pagination, error_body

from . import services
from .models import User
from .permissions import IsPracticeAdmin


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text="The current 6-digit code from the user's authenticator app; required for staff with "
        "two-factor sign-in (a 400 naming field 'otp' says so).",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class LoginThrottle(AnonRateThrottle):
    rate = "20/min"


class TokenObtainApi(APIView):
    """Exchange email + password for an API token (``Authorization: Token <token>``).

    A user with two-factor sign-in also sends ``otp``; without it the answer is a 400 naming ``otp``.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request, email=data.validated_data["email"].lower(), password=data.validated_data["password"]
        )
        if user is None:
            return Response(
                {
                    "error": {
                        "code": "invalid_login",
                        "field": None,
                        "message": "That email and password do not match an active account.",
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if services.user_needs_second_factor(user):
            otp = data.validated_data.get("otp", "")
            if not otp:
                return Response(
                    error_body(
                        code="otp_required",
                        field="otp",
                        message="otp: this account signs in with two factors; send the current 6-digit code "
                        "from its authenticator app as otp.",
                    ),
                    status=status.HTTP_400_BAD_REQUEST,
                )
            # Raises ValidationFailed(field="otp") for a wrong, reused or locked-out code: a 400 naming otp.
            services.user_verify_second_factor(user=user, code=otp)
        token, _ = Token.objects.get_or_create(user=user)
        audit_record(actor=user, action="auth.token_issued", target=user)
        return Response({"token": token.key})


class UserOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "discipline", "credentials", "is_active"]


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserOutputSerializer)
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)


class StaffInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=[User.Role.ADMIN, User.Role.CLINICIAN])
    discipline = serializers.ChoiceField(choices=User.Discipline.choices, required=False, default="", allow_blank=True)
    credentials = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    password = serializers.CharField(required=False, allow_blank=True, write_only=True, trim_whitespace=False)


class StaffUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200, required=False)
    role = serializers.ChoiceField(choices=[User.Role.ADMIN, User.Role.CLINICIAN], required=False)
    discipline = serializers.ChoiceField(choices=User.Discipline.choices, required=False, allow_blank=True)
    credentials = serializers.CharField(max_length=50, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


def _staff_queryset():
    return User.objects.exclude(role=User.Role.PATIENT).order_by("full_name")


class StaffListApi(APIView):
    """Staff accounts (practice admins only)."""

    permission_classes = [IsPracticeAdmin]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=UserOutputSerializer(many=True))
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(_staff_queryset(), request, view=self)
        return paginator.get_paginated_response(UserOutputSerializer(page, many=True).data)

    @extend_schema(request=StaffInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request):
        data = StaffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create_staff(actor=request.user, **data.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class StaffDetailApi(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(responses=UserOutputSerializer)
    def get(self, request, public_id):
        return Response(UserOutputSerializer(get_object_or_404(_staff_queryset(), public_id=public_id)).data)

    @extend_schema(request=StaffUpdateSerializer, responses=UserOutputSerializer)
    def patch(self, request, public_id):
        user = get_object_or_404(_staff_queryset(), public_id=public_id)
        data = StaffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # One PATCH may call two services; a refusal by the second must undo the first.
        with transaction.atomic():
            if {"full_name", "role", "discipline", "credentials"} & set(values):
                role = values.get("role", user.role)
                discipline = values.get("discipline", user.discipline if role == User.Role.CLINICIAN else "")
                services.user_update_staff(
                    actor=request.user,
                    user=user,
                    full_name=values.get("full_name", user.full_name),
                    role=role,
                    discipline=discipline,
                    credentials=values.get("credentials", user.credentials),
                )
            if "is_active" in values:
                services.user_set_active(actor=request.user, user=user, active=values["is_active"])
        return Response(UserOutputSerializer(user).data)
