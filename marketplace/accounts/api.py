"""Accounts in the API: tokens, the signed-in user, and their organisation's users."""
from flask import request
from flask_login import current_user

from ..api import PAGINATION, PROBLEM_JSON, ProblemSchema, api_blueprint, errors, page_items
from ..extensions import limit_failed_sign_ins, note_failed_sign_in
from . import services, tokens
from .schemas import IssuedTokenSchema, TokenRequestSchema, TokenSchema, UserSchema

auth_blp = api_blueprint("api_auth", __name__, public=True, url_prefix="/auth",
                         description="Getting a bearer token.")
blp = api_blueprint("api_accounts", __name__, description="You and your organisation's users.")



@auth_blp.post("/token")
@limit_failed_sign_ins
@auth_blp.arguments(TokenRequestSchema)
@auth_blp.response(201, IssuedTokenSchema)
@auth_blp.alt_response(401, schema=ProblemSchema, content_type=PROBLEM_JSON,
                       description="Wrong email or password (deliberately not which).")
@errors(429)
@auth_blp.doc(security=[])
def issue_token(data):
    """Exchange an email and password for a bearer token."""
    try:
        issued = tokens.issue_token(data["email"], data["password"], name=data["name"],
                                    lifetime_days=data["expires_in_days"],
                                    remote_addr=request.remote_addr)
    except services.SignInFailed:
        note_failed_sign_in()
        raise
    record = issued.record
    return {"id": record.id, "name": record.name, "created_at": record.created_at,
            "expires_at": record.expires_at, "revoked_at": None, "token": issued.token}


@blp.get("/me")
@blp.response(200, UserSchema)
def me():
    """The user the token or session belongs to."""
    return current_user


@blp.get("/users")
@blp.response(200, UserSchema(many=True))
@blp.paginate(**PAGINATION)
def users(pagination_parameters):
    """The users of your own organisation, by name."""
    return page_items(pagination_parameters, services.page_of_users(
        current_user, pagination_parameters.page, pagination_parameters.page_size))


@blp.get("/users/<id:user_id>")
@blp.response(200, UserSchema)
def user(user_id):
    """One user of your own organisation."""
    return services.get_user(current_user, user_id)


@blp.get("/tokens")
@blp.response(200, TokenSchema(many=True))
@blp.paginate(**PAGINATION)
def list_tokens(pagination_parameters):
    """Your own tokens, newest first (never the secrets)."""
    return page_items(pagination_parameters, tokens.page_of_tokens(
        current_user, pagination_parameters.page, pagination_parameters.page_size))


@blp.delete("/tokens/<id:token_id>")
@blp.response(200, TokenSchema)
@errors(omit=(403, 409))
def revoke_token(token_id):
    """Revoke one of your own tokens."""
    return tokens.revoke_token(current_user, token_id)
