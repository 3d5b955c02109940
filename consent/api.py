"""/api/v1/consent-documents/ and /api/v1/patients/{id}/consents/: the same services as the pages.

Signed records are read-only here: PUT, PATCH and DELETE are 405; revocation and
countersignature are their own POST actions that add rows. Patient-side signing is page-only
(the portal), with its rules in ``services.consent_sign``.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsPracticeAdmin, IsStaffMember
from kap_clinic.common.api import Pagination
from kap_clinic.common.middleware import client_ip
from patients import selectors as patient_selectors

from . import manifestation, selectors, services
from .models import ConsentDocument, ConsentKind, ConsentRecord, SigningRequest

# --- Serializers ------------------------------------------------------------------------------------


class DocumentOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.name")
    status = serializers.SerializerMethodField()

    class Meta:
        model = ConsentDocument
        fields = [
            "id",
            "kind",
            "kind_name",
            "version",
            "title",
            "body",
            "effective_date",
            "requires_reconsent",
            "status",
            "published_at",
            "reconsent_from",
            "text_sha256",
        ]

    def get_status(self, obj: ConsentDocument) -> str:
        return "published" if obj.is_published else "draft"


class DocumentCreateSerializer(serializers.Serializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=ConsentKind.objects.filter(active=True))
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=100_000)
    effective_date = serializers.DateField()
    requires_reconsent = serializers.BooleanField(required=False, default=False)


class DocumentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(max_length=100_000, required=False)
    effective_date = serializers.DateField(required=False)
    requires_reconsent = serializers.BooleanField(required=False)


class ManifestationSerializer(serializers.Serializer):
    printed_name = serializers.CharField()
    signed_at = serializers.CharField()
    signed_at_iso = serializers.CharField()
    meaning = serializers.CharField()


class RecordOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.CharField(source="kind.code")
    document = serializers.UUIDField(source="document.public_id")
    document_version = serializers.IntegerField(source="document.version")
    document_title = serializers.CharField(source="document.title")
    state = serializers.CharField(default=None, allow_null=True)
    manifestation = serializers.SerializerMethodField()
    countersignature = serializers.SerializerMethodField()
    revocation = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "kind",
            "document",
            "document_version",
            "document_title",
            "state",
            "signed_at",
            "printed_name",
            "typed_name",
            "meaning",
            "text_sha256",
            "signature_sha256",
            "manifestation",
            "countersignature",
            "revocation",
            "pdf",
        ]

    @extend_schema_field(ManifestationSerializer)
    def get_manifestation(self, obj: ConsentRecord) -> dict:
        return ManifestationSerializer(manifestation.for_record(obj)).data

    def get_countersignature(self, obj: ConsentRecord) -> dict | None:
        c = getattr(obj, "countersignature", None)
        return (
            {"printed_name": c.printed_name, "countersigned_at": c.countersigned_at, "meaning": c.meaning}
            if c
            else None
        )

    def get_revocation(self, obj: ConsentRecord) -> dict | None:
        r = getattr(obj, "revocation", None)
        return {"revoked_at": r.revoked_at, "channel": r.channel, "reason": r.reason} if r else None

    def get_pdf(self, obj: ConsentRecord) -> dict | None:
        pdf = next(iter(obj.pdfs.all()), None)
        if pdf is None:
            return None
        url = reverse(
            "api:patient_consent_pdf",
            kwargs={"public_id": obj.patient.public_id, "record_id": obj.public_id},
            request=self.context.get("request"),
        )
        return {"stage": pdf.stage, "sha256": pdf.sha256, "size": pdf.size, "rendered_at": pdf.rendered_at, "url": url}


class RequestOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.CharField(source="document.kind.code")
    document = serializers.UUIDField(source="document.public_id")
    document_version = serializers.IntegerField(source="document.version")
    status = serializers.CharField()

    class Meta:
        model = SigningRequest
        fields = [
            "id",
            "kind",
            "document",
            "document_version",
            "status",
            "reason",
            "created_at",
            "expires_at",
            "email_sent_at",
        ]


class RequestInputSerializer(serializers.Serializer):
    kind = serializers.SlugRelatedField(slug_field="code", queryset=ConsentKind.objects.filter(active=True))


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class VerifyOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    text_ok = serializers.BooleanField()
    signature_ok = serializers.BooleanField()
    record_text_sha256 = serializers.CharField()
    document_text_sha256 = serializers.CharField()
    pdfs = serializers.ListField(child=serializers.DictField())
    checked_at = serializers.DateTimeField()


# --- Documents ------------------------------------------------------------------------------------


class StaffReadsAdminWrites(BasePermission):
    def has_permission(self, request, view) -> bool:  # noqa: ANN001
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return IsStaffMember().has_permission(request, view)
        return IsPracticeAdmin().has_permission(request, view)


class DocumentListApi(APIView):
    permission_classes = [StaffReadsAdminWrites]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=DocumentOutputSerializer(many=True))
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.document_list(), request, view=self)
        return paginator.get_paginated_response(DocumentOutputSerializer(page, many=True).data)

    @extend_schema(request=DocumentCreateSerializer, responses={201: DocumentOutputSerializer})
    def post(self, request):
        data = DocumentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.consent_document_create(actor=request.user, **data.validated_data)
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    permission_classes = [StaffReadsAdminWrites]
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses=DocumentOutputSerializer)
    def get(self, request, public_id):
        return Response(DocumentOutputSerializer(selectors.document_get(public_id)).data)

    @extend_schema(request=DocumentUpdateSerializer, responses=DocumentOutputSerializer)
    def patch(self, request, public_id):
        document = selectors.document_get(public_id)
        data = DocumentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {f: getattr(document, f) for f in ("title", "body", "effective_date", "requires_reconsent")}
        values.update(data.validated_data)
        document = services.consent_document_update(actor=request.user, document=document, **values)
        return Response(DocumentOutputSerializer(document).data)


class DocumentPublishApi(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(request=None, responses=DocumentOutputSerializer)
    def post(self, request, public_id):
        document = services.consent_document_publish(actor=request.user, document=selectors.document_get(public_id))
        return Response(DocumentOutputSerializer(document).data)


# --- A patient's consents --------------------------------------------------------------------------


def _record_for(request, public_id, record_id) -> ConsentRecord:  # noqa: ANN001
    patient = patient_selectors.patient_get_for(user=request.user, public_id=public_id)
    record = selectors.consent_record_get_for(user=request.user, public_id=record_id)
    if record.patient_id != patient.pk:
        raise Http404("No consent matches the given query.")
    return record


def _with_state(records: list[ConsentRecord]) -> list[ConsentRecord]:
    if records:
        active = set(
            selectors.records_active_at(
                ConsentRecord.objects.filter(pk__in=[r.pk for r in records]), timezone.now()
            ).values_list("id", flat=True)
        )
        for r in records:
            r.state = "active" if r.id in active else ("revoked" if hasattr(r, "revocation") else "superseded")
    return records


class PatientConsentListApi(APIView):
    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=RecordOutputSerializer(many=True))
    def get(self, request, public_id):
        patient = patient_selectors.patient_get_for(user=request.user, public_id=public_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.records_for_patient(patient=patient), request, view=self)
        data = RecordOutputSerializer(_with_state(list(page)), many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=RequestInputSerializer, responses={201: RequestOutputSerializer})
    def post(self, request, public_id):
        patient = patient_selectors.patient_get_for(user=request.user, public_id=public_id)
        data = RequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signing_request = services.consent_request_signature(
            actor=request.user, patient=patient, kind=data.validated_data["kind"]
        )
        return Response(RequestOutputSerializer(signing_request).data, status=status.HTTP_201_CREATED)


class PatientConsentStatusApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(
        responses=inline_serializer(
            "ConsentStatus",
            {
                "kind": serializers.CharField(),
                "kind_name": serializers.CharField(),
                "state": serializers.CharField(),
                "record": serializers.UUIDField(allow_null=True),
                "pending_request": serializers.UUIDField(allow_null=True),
            },
            many=True,
        )
    )
    def get(self, request, public_id):
        patient = patient_selectors.patient_get_for(user=request.user, public_id=public_id)
        rows = [
            {
                "kind": s.kind.code,
                "kind_name": s.kind.name,
                "state": s.state,
                "record": s.record.public_id if s.record else None,
                "pending_request": s.request.public_id if s.request else None,
            }
            for s in selectors.consent_status_for_patient(patient=patient)
        ]
        return Response(rows)


class PatientConsentRequestListApi(APIView):
    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=RequestOutputSerializer(many=True))
    def get(self, request, public_id):
        patient = patient_selectors.patient_get_for(user=request.user, public_id=public_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.requests_for_patient(patient=patient), request, view=self)
        return paginator.get_paginated_response(RequestOutputSerializer(page, many=True).data)


class PatientConsentDetailApi(APIView):
    """A signed record. Read-only: PUT, PATCH and DELETE are refused with 405."""

    permission_classes = [IsStaffMember]
    http_method_names = ["get", "put", "patch", "delete", "head", "options"]

    @extend_schema(responses=RecordOutputSerializer)
    def get(self, request, public_id, record_id):
        record = _record_for(request, public_id, record_id)
        return Response(RecordOutputSerializer(_with_state([record])[0], context={"request": request}).data)

    def _immutable(self, request, public_id, record_id) -> Response:  # noqa: ANN001
        _record_for(request, public_id, record_id)
        return Response(
            {
                "error": {
                    "code": "immutable",
                    "message": "A signed consent cannot be changed or deleted; revoke it instead.",
                    "field": None,
                }
            },
            status=status.HTTP_405_METHOD_NOT_ALLOWED,
            headers={"Allow": "GET, HEAD, OPTIONS"},
        )

    @extend_schema(exclude=True)
    def put(self, request, public_id, record_id):
        return self._immutable(request, public_id, record_id)

    @extend_schema(exclude=True)
    def patch(self, request, public_id, record_id):
        return self._immutable(request, public_id, record_id)

    @extend_schema(exclude=True)
    def delete(self, request, public_id, record_id):
        return self._immutable(request, public_id, record_id)


class PatientConsentRevokeApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=RevokeInputSerializer, responses=RecordOutputSerializer)
    def post(self, request, public_id, record_id):
        record = _record_for(request, public_id, record_id)
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.consent_revoke(actor=request.user, record=record, reason=data.validated_data["reason"])
        record = _record_for(request, public_id, record_id)
        return Response(RecordOutputSerializer(_with_state([record])[0], context={"request": request}).data)


class PatientConsentCountersignApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses=RecordOutputSerializer)
    def post(self, request, public_id, record_id):
        record = _record_for(request, public_id, record_id)
        services.consent_countersign(actor=request.user, record=record, ip=client_ip(request))
        record = _record_for(request, public_id, record_id)
        return Response(RecordOutputSerializer(_with_state([record])[0], context={"request": request}).data)


class PatientConsentVerifyApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses=VerifyOutputSerializer)
    def post(self, request, public_id, record_id):
        result = services.consent_verify(actor=request.user, record=_record_for(request, public_id, record_id))
        payload = {
            "status": result.status,
            "text_ok": result.text_ok,
            "signature_ok": result.signature_ok,
            "record_text_sha256": result.record_text_sha256,
            "document_text_sha256": result.document_text_sha256,
            "pdfs": [
                {"stage": p.stage, "ok": p.ok, "stored_sha256": p.stored_sha256, "actual_sha256": p.actual_sha256}
                for p in result.pdfs
            ],
            "checked_at": result.checked_at,
        }
        return Response(VerifyOutputSerializer(payload).data)


class PatientConsentPdfApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, public_id, record_id):
        record = _record_for(request, public_id, record_id)
        pdf = next(iter(record.pdfs.all()), None)
        if pdf is None:
            raise Http404("The PDF of this consent is not ready yet.")
        data = services.consent_pdf_download(actor=request.user, pdf=pdf)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="consent-{record.public_id}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response
