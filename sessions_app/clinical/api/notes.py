"""/api/v1/ for the session notes: preparation and integration records, signing and addenda
(dosing records too), psychotherapy notes (404 for everyone but their author) and follow-up checks.
Records of patients outside the caller's care team are 404; practice admins and patients get 403.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsClinician
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import ValidationFailed
from patients.selectors import patient_get_for
from sessions_app.clinical import selectors
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.models.followup import FollowUpCheck
from sessions_app.clinical.models.notes import IntegrationRecord, PreparationRecord
from sessions_app.clinical.serializers import (
    ClinicalAddendumInput,
    ClinicalAddendumSerializer,
    FollowUpCheckInput,
    FollowUpCheckSerializer,
    IntegrationInput,
    IntegrationSerializer,
    PasswordSignInput,
    PreparationInput,
    PreparationSerializer,
    PsychotherapyNoteEditInput,
    PsychotherapyNoteInput,
    PsychotherapyNoteSerializer,
    SignedRecordSerializer,
)
from sessions_app.clinical.services import notes
from sessions_app.common.api import not_found_response, path_choice, valid_input


class SessionPreparationApi(APIView):
    """The preparation record of a preparation session (GET), or write it (PUT; therapist, until signed)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=PreparationSerializer)
    def get(self, request, public_id):
        session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="preparation")
        record = getattr(session, "preparation_record", None)
        if record is None:
            return not_found_response("No preparation record yet.")
        audit_record(actor=request.user, action="preparation_record.viewed", target=record, patient=session.patient)
        return Response(PreparationSerializer(record).data)

    @extend_schema(request=PreparationInput, responses=PreparationSerializer)
    def put(self, request, public_id):
        session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="preparation")
        record = notes.preparation_save(actor=request.user, session=session, **valid_input(PreparationInput, request))
        return Response(PreparationSerializer(record).data)


class SessionIntegrationApi(APIView):
    """The integration record of an integration session (GET), or write it (PUT; therapist, until signed)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=IntegrationSerializer)
    def get(self, request, public_id):
        session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="integration")
        record = getattr(session, "integration_record", None)
        if record is None:
            return not_found_response("No integration record yet.")
        audit_record(actor=request.user, action="integration_record.viewed", target=record, patient=session.patient)
        return Response(IntegrationSerializer(record).data)

    @extend_schema(request=IntegrationInput, responses=IntegrationSerializer)
    def put(self, request, public_id):
        session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="integration")
        data = valid_input(IntegrationInput, request)
        dosing_id = data.pop("dosing_record")
        dosing = None
        if dosing_id is not None:
            dosing = DosingRecord.objects.filter(public_id=dosing_id, patient=session.patient).first()
            if dosing is None:
                raise ValidationFailed("No dosing record of this patient has this id.", field="dosing_record")
        record = notes.integration_save(actor=request.user, session=session, dosing_record=dosing, **data)
        return Response(IntegrationSerializer(record).data)


RECORD_KINDS = {
    "dosing": (DosingRecord, selectors.dosing_record_get_for),
    "preparation": (PreparationRecord, selectors.preparation_get_for),
    "integration": (IntegrationRecord, selectors.integration_get_for),
}


RECORD_KIND_PARAMETER = path_choice("kind", list(RECORD_KINDS))


class ClinicalRecordSignApi(APIView):
    """Sign a dosing, preparation or integration record with the password (responsible clinician only)."""

    permission_classes = [IsClinician]

    @extend_schema(request=PasswordSignInput, responses=SignedRecordSerializer, parameters=[RECORD_KIND_PARAMETER])
    def post(self, request, kind, public_id):
        if kind not in RECORD_KINDS:
            return not_found_response("Unknown kind of record.")
        record = RECORD_KINDS[kind][1](user=request.user, public_id=public_id)
        record = notes.record_sign(actor=request.user, record=record, **valid_input(PasswordSignInput, request))
        return Response(SignedRecordSerializer(record).data)


class ClinicalRecordAddendaApi(APIView):
    """Addenda of a dosing, preparation or integration record (GET), or add one (POST: reason, body)."""

    permission_classes = [IsClinician]

    def _record(self, request, kind, public_id):
        return RECORD_KINDS[kind][1](user=request.user, public_id=public_id)

    @extend_schema(responses=ClinicalAddendumSerializer(many=True), parameters=[RECORD_KIND_PARAMETER])
    def get(self, request, kind, public_id):
        if kind not in RECORD_KINDS:
            return not_found_response("Unknown kind of record.")
        record = self._record(request, kind, public_id)
        return Response(ClinicalAddendumSerializer(record.addenda.select_related("author"), many=True).data)

    @extend_schema(
        request=ClinicalAddendumInput, responses={201: ClinicalAddendumSerializer}, parameters=[RECORD_KIND_PARAMETER]
    )
    def post(self, request, kind, public_id):
        if kind not in RECORD_KINDS:
            return not_found_response("Unknown kind of record.")
        record = self._record(request, kind, public_id)
        addendum = notes.addendum_add(actor=request.user, record=record, **valid_input(ClinicalAddendumInput, request))
        return Response(ClinicalAddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


class PsychotherapyNoteListApi(APIView):
    """The caller's own psychotherapy notes (GET), or write one (POST; therapists on the care team)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=PsychotherapyNoteSerializer(many=True))
    def get(self, request):
        notes = selectors.psychotherapy_notes_for(request.user).prefetch_related("addenda__author")
        return Response(PsychotherapyNoteSerializer(notes, many=True).data)

    @extend_schema(request=PsychotherapyNoteInput, responses={201: PsychotherapyNoteSerializer})
    def post(self, request):
        data = valid_input(PsychotherapyNoteInput, request)
        patient = patient_get_for(user=request.user, public_id=data["patient"], clinical=True)
        note = notes.psychotherapy_note_save(actor=request.user, patient=patient, body=data["body"])
        return Response(PsychotherapyNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class PsychotherapyNoteApi(APIView):
    """One psychotherapy note: its author reads (GET) and edits it until signed (PATCH); 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PsychotherapyNoteSerializer)
    def get(self, request, public_id):
        note = selectors.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        audit_record(actor=request.user, action="psychotherapy_note.viewed", target=note, patient=note.patient)
        return Response(PsychotherapyNoteSerializer(note).data)

    @extend_schema(request=PsychotherapyNoteEditInput, responses=PsychotherapyNoteSerializer)
    def patch(self, request, public_id):
        note = selectors.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        note = notes.psychotherapy_note_save(
            actor=request.user,
            patient=note.patient,
            note=note,
            body=valid_input(PsychotherapyNoteEditInput, request)["body"],
        )
        return Response(PsychotherapyNoteSerializer(note).data)


class PsychotherapyNoteActionApi(APIView):
    """``sign`` (password) or ``addenda`` (reason, body) on one's own psychotherapy note; 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ClinicalAddendumInput,
        responses=PsychotherapyNoteSerializer,
        operation_id="v1_psychotherapy_note_action",
        parameters=[path_choice("action", ["sign", "addenda"])],
    )
    def post(self, request, public_id, action):
        note = selectors.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        if action == "sign":
            notes.record_sign(actor=request.user, record=note, **valid_input(PasswordSignInput, request))
        elif action == "addenda":
            notes.psychotherapy_note_addendum_add(
                actor=request.user, note=note, **valid_input(ClinicalAddendumInput, request)
            )
        else:
            return not_found_response("Unknown action.")
        note = selectors.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        return Response(PsychotherapyNoteSerializer(note).data)


class SessionFollowUpCheckApi(APIView):
    """The long-term follow-up answers of an integration or follow-up visit (GET), or record them (POST)."""

    permission_classes = [IsClinician]

    def _session(self, request, public_id):
        session = selectors.clinical_session_get_for(user=request.user, public_id=public_id)
        if session.kind not in ("integration", "follow_up"):
            raise ValidationFailed("Follow-up questions belong to integration and follow-up visits.", field="session")
        return session

    @extend_schema(responses=FollowUpCheckSerializer)
    def get(self, request, public_id):
        session = self._session(request, public_id)
        check = FollowUpCheck.objects.filter(session=session).select_related("recorded_by", "session").first()
        if check is None:
            return not_found_response("Not recorded yet.")
        return Response(FollowUpCheckSerializer(check).data)

    @extend_schema(request=FollowUpCheckInput, responses={201: FollowUpCheckSerializer})
    def post(self, request, public_id):
        session = self._session(request, public_id)
        check = notes.follow_up_check_record(
            actor=request.user, session=session, **valid_input(FollowUpCheckInput, request)
        )
        return Response(FollowUpCheckSerializer(check).data, status=status.HTTP_201_CREATED)
