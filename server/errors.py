"""One JSON error shape for every error: {"error": {"code", "message", "fields"}}."""
from flask import Flask, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "未找到，或无权查看"),
    405: ("method_not_allowed", "不支持此请求方法"),
    409: ("conflict", "当前状态不允许此操作"),
    413: ("too_large", "内容过大"),
    415: ("unsupported_type", "不支持的内容类型"),
    422: ("invalid_fields", "填写的内容有误"),
    429: ("too_many_requests", "请求过于频繁"),
    500: ("server_error", "服务器内部错误"),
}


class ApiError(Exception):
    """An error answered to the client with a status, a stable code and a Chinese message."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 fields: dict | None = None, headers: dict | None = None):
        """Fill in defaults for the status when code or message are not given."""
        default_code, default_message = MESSAGES.get(status, ("error", "出错了"))
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.fields = fields or {}
        self.headers = headers or {}


def flatten_messages(messages, prefix: str = "") -> dict:
    """Turn marshmallow's nested messages into {"results[0].item_code": "…"}."""
    out: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix or "_schema"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, path))
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = "；".join(messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(flatten_messages(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "_schema"] = str(messages)
    return out


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    """Build the error document."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def wants_json() -> bool:
    """Tell whether this request should get a JSON error rather than an HTML page."""
    return request.path.startswith(("/api/", "/open311/")) or request.accept_mimetypes.best == "application/json"


def wants_page() -> bool:
    """A browser navigating to a page URL (it prefers HTML to JSON): errors answer as a page."""
    return not request.path.startswith(("/api/", "/open311/")) and \
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _page(status: int, message: str) -> str:
    """A plain page in Chinese for an error met by a browser on a page URL (a letter, a report)."""
    from flask import render_template

    title = {403: "无权查看", 404: "未找到", 405: "不支持此操作"}.get(status, "出错了")
    return render_template("error.html", status=status, title=title, message=message)


def register_errorhandlers(app: Flask) -> None:
    """Register the handlers that turn every error into the one JSON shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(err: ApiError):
        """Answer an ApiError: JSON to the API, a page in Chinese to a browser on a page URL."""
        if wants_page():
            detail = "；".join(str(v) for v in err.fields.values() if v != err.message)
            return _page(err.status, f"{err.message}（{detail}）" if detail else err.message), err.status, err.headers
        return (jsonify(error_body(err.status, err.code, err.message, err.fields)), err.status,
                err.headers)

    @app.errorhandler(ValidationError)
    def handle_validation_error(err: ValidationError):
        """Answer a marshmallow error as 422 with the fields named."""
        fields = flatten_messages(err.messages)
        return jsonify(error_body(422, "invalid_fields", "填写的内容有误", fields)), 422

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException):
        """Answer werkzeug's errors in our shape on API paths."""
        code, message = MESSAGES.get(err.code or 500, ("error", err.description or "出错了"))
        if wants_page() and (err.code or 0) >= 400:
            return _page(err.code, message), err.code, dict(err.get_headers())
        if not wants_json():
            return err
        return jsonify(error_body(err.code or 500, code, message)), err.code or 500

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        """Log and answer an unexpected error without leaking details."""
        app.logger.exception("unhandled error")
        code, message = MESSAGES[500]
        return jsonify(error_body(500, code, message)), 500
