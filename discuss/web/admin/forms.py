"""The admin's HTML forms (WTForms); the CSRF token is checked once for the whole blueprint."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, EqualTo, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from discuss.models import BanKind, ModerationMode, Role


class Form(FlaskForm):
    """Base: the blueprint's ``before_request`` has already checked the CSRF token."""

    class Meta:
        csrf = False


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per site), easier to use than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(Form):
    """Name and password."""

    name = StringField("User name", validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})


EXPIRY_CHOICES = [("", "Never"), ("1", "1 day"), ("7", "7 days"), ("30", "30 days"),
                  ("365", "1 year")]


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """Options of a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class BanForm(Form):
    """A new ban."""

    site = SelectField("Site", choices=[])
    kind = SelectField("Match", choices=choices([(k.value, k.value.upper() if k is BanKind.IP
                                                  else k.value.capitalize()) for k in BanKind]))
    value = StringField("Value", validators=[DataRequired(), Length(max=254)],
                        description="An IP address or network (203.0.113.0/24), an email "
                                    "address, or a display name.")
    days = SelectField("Expires after", choices=choices(EXPIRY_CHOICES), default="")
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=1000)])


class KeyForm(Form):
    """A new API key."""

    site = SelectField("Site", choices=[])
    label = StringField("Label", validators=[Optional(), Length(max=100)],
                        description="What the key is for, e.g. 'newsroom dashboard'.")


ROLE_CHOICES = choices([(Role.MODERATOR.value, "Moderator (assigned sites)"),
                        (Role.ADMIN.value, "Admin (every site)")])


class UserForm(Form):
    """A new account."""

    name = StringField("User name", validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "off"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)],
                             description="At least 10 characters.",
                             render_kw={"autocomplete": "new-password"})
    role = SelectField("Role", choices=ROLE_CHOICES)
    sites = MultiCheckboxField("Sites", choices=[])


class UserEditForm(Form):
    """Changing an account."""

    role = SelectField("Role", choices=ROLE_CHOICES)
    sites = MultiCheckboxField("Sites", choices=[])
    active = BooleanField("May sign in")
    password = PasswordField("New password (leave empty to keep)",
                             validators=[Optional(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})


class PasswordChangeForm(Form):
    """A signed-in user's own new password."""

    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=1024)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)],
                                 description="At least 10 characters.",
                                 render_kw={"autocomplete": "new-password"})
    repeat_password = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", "The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"})


class SettingsForm(Form):
    """A site's settings."""

    name = StringField("Display name", validators=[DataRequired(), Length(max=200)])
    moderation = SelectField("Moderation", choices=choices([
        (ModerationMode.POST.value, "Post: publish unless a check holds"),
        (ModerationMode.PRE.value, "Pre: hold every comment"),
    ]))
    closed = BooleanField("Comments closed on the whole site")
    require_email = BooleanField("Require an email address")
    max_depth = IntegerField("Maximum reply depth", validators=[NumberRange(0, 20)])
    edit_window_seconds = IntegerField("Edit window (seconds)",
                                       validators=[NumberRange(0, 7 * 86400)])
    max_links = IntegerField("Link limit", validators=[NumberRange(0, 100)],
                             description="Comments with more links are held.")
    auto_close_days = IntegerField("Close threads after (days)",
                                   validators=[Optional(), NumberRange(1, 36500)],
                                   description="Empty: threads stay open.")
    flag_threshold = IntegerField("Reader flags before a comment is held",
                                  validators=[NumberRange(0, 1000)],
                                  description="0 turns automatic holds off.")
    language = StringField("Language", validators=[DataRequired(), Length(max=16)])
    privacy_url = StringField("Privacy policy URL",
                              validators=[Optional(), URL(require_tld=False), Length(max=500)])
    origins = TextAreaField("Allowed origins (one per line)",
                            description="Pages on these origins may embed the comments.")
