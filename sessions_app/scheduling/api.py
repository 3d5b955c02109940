"""/api/v1/sessions/, /rooms/, /session-types/, /availability/ and /courses/.

Reads are scoped by ``sessions_app.scheduling.selectors`` (patients see their own sessions, clinicians their
care-team patients', admins everyone's schedule); writes call the same services as the pages, so
a clash is a 409 ``slot_unavailable`` naming it, a step off the status machine a 409
``invalid_transition``, and bad input a 400 naming the field.
"""

from __future__ import annotations

import datetime as dt
import uuid

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import IsPracticeAdmin, IsStaffMember
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.api import Pagination
from kap_clinic.common.errors import ValidationFailed
from patients.selectors import patient_get_for
from sessions_app.scheduling import selectors
from sessions_app.scheduling.models import Location, Room, Session, SessionType
from sessions_app.scheduling.serializers import (
    AvailabilityQuerySerializer,
    CancelSerializer,
    CourseConfirmSerializer,
    CourseOutputSerializer,
    CourseRequestSerializer,
    ProposedSessionSerializer,
    RoomCreateSerializer,
    RoomSerializer,
    SessionCreateSerializer,
    SessionFilterSerializer,
    SessionSerializer,
    SessionTypeSerializer,
    SessionUpdateSerializer,
    SlotSerializer,
    StatusSerializer,
)
from sessions_app.scheduling.services import clinic, courses, sessions

# --- output -------------------------------------------------------------------------------


def _output(session: Session) -> dict:
    return SessionSerializer(selectors.with_schedule_relations(Session.objects.filter(pk=session.pk)).get()).data


# --- resolving references -------------------------------------------------------------------


def _clinician(public_id: uuid.UUID | None, field: str) -> User | None:
    if public_id is None:
        return None
    user = selectors.active_clinicians().filter(public_id=public_id).first()
    if user is None:
        raise ValidationFailed("No active clinician has this id.", field=field)
    return user


def _room(public_id: uuid.UUID | None, field: str = "room") -> Room | None:
    if public_id is None:
        return None
    room = Room.objects.filter(public_id=public_id).first()
    if room is None:
        raise ValidationFailed("No room has this id.", field=field)
    return room


class StaffWritePermission(IsAuthenticated):
    """Anyone signed in reads (scoped by selectors); only staff write."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or IsStaffMember().has_permission(request, view)


# --- sessions -----------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return clock.day_bounds(day)[0]


class SessionListApi(APIView):
    """List sessions the caller may see (filters below), or book one (staff)."""

    permission_classes = [StaffWritePermission]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(parameters=[SessionFilterSerializer], responses=SessionSerializer(many=True))
    def get(self, request):
        filters = SessionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = selectors.session_filter(
            selectors.session_list_visible_to(request.user),
            start=_day_start(f["start"]) if f.get("start") else None,
            end=clock.day_bounds(f["end"])[1] if f.get("end") else None,
            clinician=_clinician(f.get("clinician"), "clinician"),
            room=_room(f.get("room")),
            status=f.get("status"),
            kind=f.get("kind"),
        )
        if f.get("patient"):
            qs = qs.filter(patient__public_id=f["patient"])
        paginator = Pagination()
        # The serializer also names the course, the session followed and who cancelled.
        qs = selectors.with_schedule_relations(qs).select_related("course", "follows", "cancelled_by")
        page = paginator.paginate_queryset(qs.order_by("starts_at", "id"), request, view=self)
        audit_record(actor=request.user, action="session.listed", target_type="sessions_app.session")
        return paginator.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def post(self, request):
        data = SessionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        patient = patient_get_for(user=request.user, public_id=d["patient"], write=True)
        session = sessions.session_schedule(
            actor=request.user,
            patient=patient,
            kind=d["kind"],
            starts_at=d["starts_at"],
            ends_at=d.get("ends_at"),
            lead_clinician=_clinician(d["lead_clinician"], "lead_clinician"),
            additional_staff=[_clinician(u, "additional_staff") for u in d["additional_staff"]],
            room=_room(d["room"]),
            override_hours=d["override_hours"],
            override_reason=d["override_reason"],
        )
        return Response(_output(session), status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    permission_classes = [StaffWritePermission]

    @extend_schema(responses=SessionSerializer)
    def get(self, request, public_id):
        return Response(SessionSerializer(selectors.session_open(user=request.user, public_id=public_id)).data)

    @extend_schema(request=SessionUpdateSerializer, responses=SessionSerializer)
    def patch(self, request, public_id):
        session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
        data = SessionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        changes: dict = {}
        for name in ("starts_at", "ends_at"):
            if name in d:
                changes[name] = d[name]
        if "lead_clinician" in d:
            changes["lead_clinician"] = _clinician(d["lead_clinician"], "lead_clinician")
        if "additional_staff" in d:
            changes["additional_staff"] = [_clinician(u, "additional_staff") for u in d["additional_staff"]]
        if "room" in d:
            changes["room"] = _room(d["room"])
        session = sessions.session_update(
            actor=request.user,
            session=session,
            override_hours=d["override_hours"],
            override_reason=d["override_reason"],
            **changes,
        )
        return Response(_output(session))


class SessionCancelApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=CancelSerializer, responses=SessionSerializer)
    def post(self, request, public_id):
        session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = sessions.session_cancel(actor=request.user, session=session, reason=data.validated_data["reason"])
        return Response(_output(session))


class SessionStatusApi(APIView):
    """Move a session one step: confirmed, checked_in, in_progress, completed or no_show.

    Checking in outside the booked window (or completing a preparation or integration before its
    start) is a 409 ``outside_booked_window``/``session_not_started`` naming the booked time; a
    prescriber passes it with ``override_reason``."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=StatusSerializer, responses=SessionSerializer)
    def post(self, request, public_id):
        session = selectors.session_get_for(user=request.user, public_id=public_id, write=True)
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = sessions.session_transition(
            actor=request.user,
            session=session,
            to_status=data.validated_data["status"],
            override_reason=data.validated_data["override_reason"],
        )
        return Response(_output(session))


# --- rooms, session types, availability -----------------------------------------------------


class RoomListApi(APIView):
    """Rooms in use (staff), or add a room (practice admins)."""

    def get_permissions(self):
        return [IsPracticeAdmin()] if self.request.method == "POST" else [IsStaffMember()]

    @extend_schema(responses=RoomSerializer(many=True))
    def get(self, request):
        return Response(RoomSerializer(selectors.active_rooms(), many=True).data)

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomSerializer})
    def post(self, request):
        data = RoomCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        location = Location.objects.filter(public_id=data.validated_data["location"]).first()
        if location is None:
            raise ValidationFailed("No location has this id.", field="location")
        room = clinic.room_save(
            actor=request.user,
            location=location,
            name=data.validated_data["name"],
            dosing_equipped=data.validated_data["dosing_equipped"],
        )
        return Response(RoomSerializer(room).data, status=status.HTTP_201_CREATED)


class SessionTypeListApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=SessionTypeSerializer(many=True))
    def get(self, request):
        return Response(SessionTypeSerializer(SessionType.objects.all(), many=True).data)


class AvailabilityApi(APIView):
    """Free start times for a kind of session with one clinician on one clinic-local day."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[AvailabilityQuerySerializer],
        responses=inline_serializer(
            "Availability",
            {
                "clinician": serializers.UUIDField(),
                "date": serializers.DateField(),
                "kind": serializers.CharField(),
                "duration_minutes": serializers.IntegerField(),
                "time_zone": serializers.CharField(),
                "slots": SlotSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        clinician = _clinician(q["clinician"], "clinician")
        session_type = sessions.session_type_for(q["kind"])
        patient = patient_get_for(user=request.user, public_id=q["patient"]) if q.get("patient") else None
        slots = selectors.available_slots(
            clinician=clinician, day=q["date"], session_type=session_type, patient=patient
        )
        return Response(
            {
                "clinician": clinician.public_id,
                "date": q["date"],
                "kind": q["kind"],
                "duration_minutes": session_type.default_duration_minutes,
                "time_zone": clock.clinic_zone().key,
                "slots": SlotSerializer(slots, many=True).data,
            }
        )


# --- courses ------------------------------------------------------------------------------


def _course_request(user, d: dict) -> courses.CourseRequest:
    return courses.CourseRequest(
        patient=patient_get_for(user=user, public_id=d["patient"], write=True),
        start_date=d["start_date"],
        medical_clinician=_clinician(d["medical_clinician"], "medical_clinician"),
        therapist=_clinician(d.get("therapist"), "therapist"),
        dosing_count=d["dosing_count"],
        dosing_weekdays=tuple(sorted(set(d["dosing_weekdays"]))),
        dosing_time=d["dosing_time"],
        preparation_count=d["preparation_count"],
        preparation_time=d["preparation_time"],
        integration_time=d["integration_time"],
        integration_min_days=d["integration_min_days"],
        integration_max_days=d["integration_max_days"],
    )


class CourseProposeApi(APIView):
    """Propose a course (nothing is booked): each slot checked, clashes moved and explained."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        request=CourseRequestSerializer,
        responses=inline_serializer(
            "CourseProposal",
            {"recurrence": serializers.CharField(), "sessions": ProposedSessionSerializer(many=True)},
        ),
    )
    def post(self, request):
        data = CourseRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = courses.course_propose(
            actor=request.user, request=_course_request(request.user, data.validated_data)
        )
        return Response(
            {
                "recurrence": proposal.recurrence,
                "sessions": ProposedSessionSerializer(proposal.sessions, many=True).data,
            }
        )


class CourseListApi(APIView):
    """Book a course as confirmed (the proposal's items, possibly adjusted): all or nothing."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=CourseConfirmSerializer, responses={201: CourseOutputSerializer})
    def post(self, request):
        data = CourseConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        items = [
            courses.ConfirmedItem(
                kind=i["kind"], sequence=i["sequence"], starts_at=i["starts_at"], room=_room(i["room"], "items.room")
            )
            for i in d["items"]
        ]
        course = courses.course_confirm(actor=request.user, request=_course_request(request.user, d), items=items)
        return Response(CourseOutputSerializer(course).data, status=status.HTTP_201_CREATED)
