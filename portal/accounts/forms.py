"""Sign-in and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, URLField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.accounts.services.passwords import MIN_PASSWORD_LENGTH
from portal.core.forms import BaseForm


class LoginForm(BaseForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=512)])


class ForgotPasswordForm(BaseForm):
    """Ask for a reset link."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class SetPasswordForm(BaseForm):
    """Choose a password from an invitation or reset link."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=512)],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class HiddenNextForm(BaseForm):
    """A bare form carrying only CSRF, for sign-out and similar buttons."""

    next = StringField()


class JoinForm(SetPasswordForm):
    """Accept a register invitation with a new account: name and password."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class TwoFactorForm(BaseForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("Six digits from the app, or one of your recovery codes."),
    )


class IdentityProviderForm(BaseForm):
    """An association's OpenID Connect provider."""

    issuer = URLField(
        _l("Issuer"),
        validators=[DataRequired(), Length(max=300)],
        description=_l(
            "The provider's address, e.g. https://login.gavle.se/realms/staff. The portal "
            "reads /.well-known/openid-configuration under it."
        ),
    )
    client_id = StringField(_l("Client id"), validators=[DataRequired(), Length(max=300)])
    client_secret = PasswordField(
        _l("Client secret"),
        validators=[Length(max=500)],
        description=_l("Stored encrypted. Leave empty to keep the saved secret."),
    )
    button_label = StringField(
        _l("Button text"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("Shown on the sign-in page, e.g. “Logga in med Gävle kommun”."),
    )
    required = BooleanField(
        _l("Our people must sign in through the identity provider"),
        description=_l(
            "Password sign-in is then refused to people who belong only to this "
            "association. Platform administrators keep their password."
        ),
    )


class ProviderChoiceForm(BaseForm):
    """The sign-in page's buttons: one per association with a provider."""

    association = StringField(validators=[DataRequired(), Length(max=64)])
