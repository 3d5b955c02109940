"""Forms validate shape only; the rules (and their messages) live in the services."""

from __future__ import annotations

from django import forms

from .models import ConsentKind


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text="Markdown: # headings, **bold**, - lists. Raw HTML is removed.",
    )
    effective_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    requires_reconsent = forms.BooleanField(
        required=False,
        label="Requires re-consent",
        help_text="When published, earlier signatures of this kind stop counting from the effective date and "
        "every patient in treatment is asked to sign this version.",
    )


class DocumentCreateForm(DocumentForm):
    kind = forms.ModelChoiceField(queryset=ConsentKind.objects.filter(active=True), to_field_name="code")
    field_order = ["kind", "title", "body", "effective_date", "requires_reconsent"]


class RequestForm(forms.Form):
    kind = forms.ModelChoiceField(
        queryset=ConsentKind.objects.filter(active=True), to_field_name="code", label="Document"
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text="Required when revoking on the patient's behalf (e.g. 'withdrew consent by phone on …').",
    )


class PortalRevokeForm(RevokeForm):
    """The patient's own revocation: the reason is theirs to give or not."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        label="Reason (optional)",
        help_text="You do not have to give a reason. If you do, your care team will see it.",
    )


class SignForm(forms.Form):
    """Every field is optional here on purpose: the service names what is missing in plain words."""

    agree = forms.BooleanField(required=False, label="I have read and understood this document.")
    accept_electronic_records = forms.BooleanField(
        required=False, label="I agree to use electronic records and signatures with the clinic."
    )
    typed_name = forms.CharField(
        required=False,
        max_length=200,
        label="Type your full legal name",
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    # No max_length: the service bounds the decoded image and says so in words (the request body
    # itself is capped by DATA_UPLOAD_MAX_MEMORY_SIZE).
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    # No max_length either: a hash that is not the one shown gets the service's "reload" message.
    shown_text_sha256 = forms.CharField(required=False, widget=forms.HiddenInput)
    shown_electronic_records_sha256 = forms.CharField(required=False, widget=forms.HiddenInput)


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not only numbers; not a common password.",
    )
    password2 = forms.CharField(
        label="Repeat the password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
