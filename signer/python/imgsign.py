"""Reference signer for imgorigin URLs in Python (standard library only).

It builds the canonical path exactly like the Go package signer/imgurl and signs it like the Go
package signer. Checked against ../testdata/vectors.json by test_imgsign.py.

    import imgsign
    url = imgsign.sign_url(
        base="https://cdn.example.com",
        path={"options": {"w": 300, "f": "webp"}, "source": "local", "key": "photos/cat.jpg"},
        key={"id": "2026-01", "secret": "<base64url secret from the key file>"},
        ttl=3600, bucket=900,
    )
"""

import base64
import hashlib
import hmac
import json
import math
import re
import time
import urllib.parse

LIMITS = {"max_width": 4096, "max_height": 4096, "max_dpr": 4, "max_key_len": 1024, "max_path_len": 2048,
          "max_blur": 50, "max_sharpen": 10}
_MAX_CROP_SIDE = 65535

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_FITS = {"contain", "fill", "inside", "pad"}  # cover is the default, never written
_GRAVITIES = {"n", "ne", "e", "se", "s", "sw", "w", "nw", "smart", "fp"}  # fp: with "fp": [x, y]
_FORMATS = {"jpeg", "png", "webp", "avif", "gif", "auto"}  # auto: the origin picks per browser


class Error(ValueError):
    """An input that has no canonical path."""


def _fail(msg):
    raise Error("imgsign: " + msg)


def escape_segment(seg):
    """Go's url.PathEscape: unreserved bytes and $&+:=@ stay, the rest is %XX."""
    return urllib.parse.quote(seg, safe="$&+:=@")


def escape_key(key):
    return "/".join(escape_segment(s) for s in key.split("/"))


def _check_int(name, v, lo, hi):
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        _fail("%s: must be %d..%d" % (name, lo, hi))


def _fmt_dpr(d):
    if d == int(d):
        return str(int(d))
    return repr(float(d))


def _decimal(v):
    """A short decimal as Go's strconv.FormatFloat(v, 'f', -1, 64) writes it."""
    if v == int(v):
        return str(int(v))
    return repr(float(v))


def _check_places(name, v, places, lo, hi):
    m = 10 ** places
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi or round(v * m) / m != v:
        _fail("%s: %s..%s with at most %d decimals" % (name, lo, hi, places))


def options_segment(o, lim=LIMITS):
    """The canonical options segment, defaults left out, in the order the origin applies them:
    c rot flip w h fit g dpr blur sh wm tm q bg f."""
    parts = []
    c = o.get("c")
    if c:
        if not isinstance(c, (list, tuple)) or len(c) != 4:
            _fail("c: [x, y, width, height]")
        x, y, cw, ch = c
        _check_int("c x", x, 0, _MAX_CROP_SIDE)
        _check_int("c y", y, 0, _MAX_CROP_SIDE)
        _check_int("c width", cw, 1, _MAX_CROP_SIDE - x)
        _check_int("c height", ch, 1, _MAX_CROP_SIDE - y)
        parts.append("c_%d_%d_%d_%d" % (x, y, cw, ch))
    rot = o.get("rot", 0)
    if rot:
        if rot not in (90, 180, 270) or isinstance(rot, bool):
            _fail("rot: 90, 180 or 270")
        parts.append("rot_%d" % rot)
    flip = o.get("flip", "")
    if flip:
        if flip != "h":
            _fail("flip: h (a vertical flip is rot 180 + flip h)")
        parts.append("flip_h")
    w, h = o.get("w", 0), o.get("h", 0)
    both = bool(w and h)
    if w:
        _check_int("w", w, 1, lim["max_width"])
        parts.append("w_%d" % w)
    if h:
        _check_int("h", h, 1, lim["max_height"])
        parts.append("h_%d" % h)
    fit = o.get("fit", "")
    if fit:
        if fit not in _FITS:
            _fail("fit: %r (contain, fill, inside, pad; leave cover out)" % fit)
        if not both:
            _fail("fit: needs both w and h")
        parts.append("fit_" + fit)
    g = o.get("g", "")
    if o.get("fp") and g != "fp":
        _fail("fp: only with g fp")
    if g:
        if g not in _GRAVITIES:
            _fail("g: %r" % g)
        if not both:
            _fail("g: needs both w and h")
        if fit and fit != "pad":
            _fail("g: only with the default fit or pad")
        if g in ("smart", "fp") and fit == "pad":
            _fail("g: %s cannot place a pad" % g)
        if g == "fp":
            fp = o.get("fp")
            if not isinstance(fp, (list, tuple)) or len(fp) != 2:
                _fail("g fp: needs fp: [x, y]")
            _check_places("fp x", fp[0], 3, 0, 1)
            _check_places("fp y", fp[1], 3, 0, 1)
            if fp[0] == 0.5 and fp[1] == 0.5:
                _fail("fp: the centre is the default; leave g out")
            parts.append("g_fp_%s_%s" % (_decimal(fp[0]), _decimal(fp[1])))
        else:
            parts.append("g_" + g)
    d = o.get("dpr", 0)
    if d:
        if not 0 < d <= lim["max_dpr"]:
            _fail("dpr: above 0, at most %s" % lim["max_dpr"])
        if d == 1:
            _fail("dpr: 1 is the default; leave it out")
        if d < 0.01 or round(d * 100) / 100 != d:
            _fail("dpr: at most two decimals")
        parts.append("dpr_" + _fmt_dpr(d))
    blur = o.get("blur", 0)
    if blur:
        _check_places("blur", blur, 1, 0.1, lim["max_blur"])
        parts.append("blur_" + _decimal(blur))
    sh = o.get("sh", 0)
    if sh:
        _check_places("sh", sh, 1, 0.1, lim["max_sharpen"])
        parts.append("sh_" + _decimal(sh))
    for name in ("wm", "tm"):
        v = o.get(name, "")
        if v:
            if not _NAME.fullmatch(v):
                _fail("%s: [a-z0-9][a-z0-9-]{0,31}" % name)
            parts.append("%s_%s" % (name, v))
    q = o.get("q", 0)
    if q:
        _check_int("q", q, 1, 100)
        parts.append("q_%d" % q)
    f = o.get("f", "")
    bg = o.get("bg", "")
    if bg:
        if not re.fullmatch(r"[0-9a-f]{6}|[0-9a-f]{8}", bg):
            _fail("bg: lower-case rrggbb or rrggbbaa")
        if fit != "pad" and f != "jpeg":
            _fail("bg: only with fit pad or f jpeg (flattening)")
        if fit != "pad" and len(bg) != 6:
            _fail("bg: flattening onto a colour takes rrggbb")
        parts.append("bg_" + bg)
    if f not in _FORMATS:
        _fail("f: one of jpeg, png, webp, avif, gif, auto is required")
    parts.append("f_" + f)
    return ",".join(parts)


def _check_key(key, lim):
    if not key or len(key.encode("utf-8")) > lim["max_key_len"]:
        _fail("key: 1..%d bytes" % lim["max_key_len"])
    if "\0" in key:
        _fail("key: NUL")
    if any(s in ("", ".", "..") for s in key.split("/")):
        _fail("key: empty, '.' or '..' segment")


def canonical_path(p, lim=LIMITS):
    """Build /i/{variant}/{source}/{key} from {"preset" | "options", "source", "key"}, or the info
    path /info/{source}/{key} from {"info": True, "source", "key"}."""
    if p.get("info"):
        if p.get("preset") or p.get("options"):
            _fail("an info path has no variant")
        source = p.get("source", "")
        if not _NAME.fullmatch(source):
            _fail("source: [a-z0-9][a-z0-9-]{0,31}")
        _check_key(p.get("key", ""), lim)
        path = "/info/%s/%s" % (source, escape_key(p["key"]))
        if len(path) > lim["max_path_len"]:
            _fail("path: too long")
        return path
    if p.get("preset"):
        if p.get("options"):
            _fail("preset and options are exclusive")
        if not _NAME.fullmatch(p["preset"]):
            _fail("preset: [a-z0-9][a-z0-9-]{0,31}")
        variant = p["preset"]
    else:
        variant = options_segment(p.get("options") or {}, lim)
    source = p.get("source", "")
    if not _NAME.fullmatch(source):
        _fail("source: [a-z0-9][a-z0-9-]{0,31}")
    key = p.get("key", "")
    _check_key(key, lim)
    path = "/i/%s/%s/%s" % (variant, source, escape_key(key))
    if len(path) > lim["max_path_len"]:
        _fail("path: too long")
    return path


def expiry(now, ttl, bucket):
    """now + ttl rounded up to the bucket (all in seconds)."""
    t = math.ceil(now + ttl)
    if bucket > 1 and t % bucket:
        t += bucket - t % bucket
    return int(t)


def _secret(secret):
    if isinstance(secret, str):
        return base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    return bytes(secret)


def _mac(secret, path, exp):
    m = hmac.new(_secret(secret), ("GET\n%s\n%d" % (path, exp)).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(m).rstrip(b"=").decode()


def token(key, path, exp):
    """{kid}.{exp}.{mac} for GET of path."""
    return "%s.%d.%s" % (key["id"], exp, _mac(key["secret"], path, exp))


_TOKEN = re.compile(r"([A-Za-z0-9_-]{1,32})\.(0|[1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})")


def verify_token(keys, path, tok, now, skew=0):
    """None, or the reason: malformed token, unknown key, retired key, bad mac, expired."""
    m = _TOKEN.fullmatch(tok)
    if not m:
        return "malformed token"
    key = next((k for k in keys if k["id"] == m.group(1)), None)
    if key is None:
        return "unknown key"
    if key.get("state") == "retired":
        return "retired key"
    exp = int(m.group(2))
    if not hmac.compare_digest(_mac(key["secret"], path, exp), m.group(3)):
        return "bad mac"
    if now > exp + skew:
        return "expired"
    return None


def _md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def type_a(cdn_key, path, exp, valid_for, rand="0", uid="0"):
    """{ts}-{rand}-{uid}-{md5(path-ts-rand-uid-key)} with ts = exp - valid_for."""
    ts = exp - valid_for
    return "%d-%s-%s-%s" % (ts, rand, uid, _md5("%s-%d-%s-%s-%s" % (path, ts, rand, uid, cdn_key)))


def aliyun_a(cdn_key, path, exp, valid_for):
    return "auth_key=" + type_a(cdn_key, path, exp, valid_for)


def tencent_a(cdn_key, path, exp, valid_for):
    return "sign=" + type_a(cdn_key, path, exp, valid_for)


def tencent_d(cdn_key, path, exp, valid_for, decimal=False):
    """sign=md5(key + path + ts)&t=ts with ts = exp - valid_for in hex (or decimal)."""
    ts = ("%d" if decimal else "%x") % (exp - valid_for)
    return "sign=%s&t=%s" % (_md5(cdn_key + path + ts), ts)


def query(fmt, path, exp, key=None, cdn_key=None, valid_for=1800):
    """The authorization query of a format: native, aliyun-a, tencent-a, tencent-d(-hex|-dec)."""
    if fmt == "native":
        return "token=" + token(key, path, exp)
    if fmt == "aliyun-a":
        return aliyun_a(cdn_key, path, exp, valid_for)
    if fmt == "tencent-a":
        return tencent_a(cdn_key, path, exp, valid_for)
    if fmt in ("tencent-d", "tencent-d-hex"):
        return tencent_d(cdn_key, path, exp, valid_for)
    if fmt == "tencent-d-dec":
        return tencent_d(cdn_key, path, exp, valid_for, decimal=True)
    _fail("unknown format %r" % fmt)


def sign_url(base, path, key=None, cdn_key=None, valid_for=1800, fmt="native", ttl=3600, bucket=900, now=None):
    """A full signed URL. now defaults to the clock (seconds)."""
    p = canonical_path(path)
    exp = expiry(time.time() if now is None else now, ttl, bucket)
    return base.rstrip("/") + p + "?" + query(fmt, p, exp, key=key, cdn_key=cdn_key, valid_for=valid_for)


# --- responsive markup (signer/markup.go): srcset and <picture>, every URL with one expiry ---

_ATTR = {"&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;"}


def _escape_attr(s):
    """Escape like Go's html.EscapeString."""
    return "".join(_ATTR.get(c, c) for c in s)


def _check_responsive(path, widths, lim=LIMITS):
    o = path.get("options")
    if path.get("preset") or not o:
        _fail("responsive markup needs explicit options, not a preset")
    if not o.get("w"):
        _fail("responsive markup needs options with w (heights scale with it)")
    if not widths:
        _fail("responsive markup needs at least one width")
    for i, w in enumerate(widths):
        _check_int("width", w, 1, lim["max_width"])
        if i > 0 and w <= widths[i - 1]:
            _fail("widths must be ascending, without repeats")


def _candidate(path, w, f):
    """path at width w in format f; a height scales with the width, rounded half up."""
    o = dict(path["options"], w=w, f=f)
    if o.get("h"):
        o["h"] = max(1, (path["options"]["h"] * w + path["options"]["w"] // 2) // path["options"]["w"])
    return dict(path, options=o)


class _Markup:
    def __init__(self, base, path, widths, key, cdn_key, valid_for, fmt, ttl, bucket, now, exp):
        _check_responsive(path, widths)
        self.base, self.path, self.widths = base.rstrip("/"), path, widths
        self.sign = dict(key=key, cdn_key=cdn_key, valid_for=valid_for)
        self.fmt = fmt
        self.exp = exp if exp is not None else expiry(time.time() if now is None else now, ttl, bucket)

    def url(self, w, f):
        p = canonical_path(_candidate(self.path, w, f))
        return self.base + p + "?" + query(self.fmt, p, self.exp, **self.sign)

    def srcset(self, f):
        return ", ".join("%s %dw" % (self.url(w, f), w) for w in self.widths)


def srcset(base, path, widths, key=None, cdn_key=None, valid_for=1800, fmt="native", ttl=3600, bucket=900, now=None, exp=None):
    """"URL 320w, URL 640w" of path at each width in its own format (not HTML-escaped)."""
    m = _Markup(base, path, widths, key, cdn_key, valid_for, fmt, ttl, bucket, now, exp)
    return m.srcset(path["options"]["f"])


def picture(base, path, widths, formats, sizes="", alt="", key=None, cdn_key=None, valid_for=1800, fmt="native",
            ttl=3600, bucket=900, now=None, exp=None):
    """<picture> markup: a <source> per format but the last, then the <img> in the last format
    (src = its widest candidate), as Go's URLSigner.Picture writes it."""
    m = _Markup(base, path, widths, key, cdn_key, valid_for, fmt, ttl, bucket, now, exp)
    if not formats:
        _fail("a <picture> needs at least one format")
    for i, f in enumerate(formats):
        if f == "auto":
            _fail("a <picture> lists explicit formats; use srcset for f_auto")
        if formats.index(f) != i:
            _fail("format %s listed twice" % f)
    size_attr = ' sizes="%s"' % _escape_attr(sizes) if sizes else ""
    out = ["<picture>"]
    for f in formats[:-1]:
        t = "image/jpeg" if f == "jpeg" else "image/" + f
        out.append('<source type="%s" srcset="%s"%s>' % (t, _escape_attr(m.srcset(f)), size_attr))
    f = formats[-1]
    out.append('<img src="%s" srcset="%s"%s alt="%s">' % (
        _escape_attr(m.url(widths[-1], f)), _escape_attr(m.srcset(f)), size_attr, _escape_attr(alt)))
    out.append("</picture>")
    return "".join(out)


# --- the write path (signer/upload.go) ---

_POLICY_FIELDS = ("source", "key", "prefix", "max_bytes", "formats", "max_pixels", "max_frames", "sha256", "exp")


def policy_document(p):
    """The policy's JSON text as the Go signer writes it: fields in order, empty optional fields left out."""
    if not _NAME.fullmatch(p.get("source", "")):
        _fail("policy source: names are [a-z0-9][a-z0-9-]{0,31}")
    if p.get("key") and p.get("prefix"):
        _fail("policy: key and prefix are exclusive")
    for f in ("max_bytes", "exp"):
        v = p.get(f)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            _fail("policy %s: must be > 0" % f)
    doc = {}
    for f in _POLICY_FIELDS:
        v = p.get(f)
        if f in ("source", "max_bytes", "exp") or v not in (None, "", 0, []):
            doc[f] = v
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def _policy_mac(secret, text):
    m = hmac.new(_secret(secret), ("imgorigin-upload-policy-v1\n" + text).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(m).rstrip(b"=").decode()


def sign_upload_policy(p, key):
    """{kid}.{base64url(policy JSON)}.{mac}: the form field / query parameter "policy" or the header X-Upload-Policy."""
    text = base64.urlsafe_b64encode(policy_document(p).encode()).rstrip(b"=").decode()
    return "%s.%s.%s" % (key["id"], text, _policy_mac(key["secret"], text))


def upload_path(source, key=""):
    """/u/{source}/{key}, the key escaped as in image URLs."""
    return "/u/" + source + ("/" + escape_key(key) if key else "")


def delete_query(key, source, object_key, exp):
    """token={kid}.{exp}.{mac} authorizing DELETE of the object until exp."""
    path = upload_path(source, object_key)
    m = hmac.new(_secret(key["secret"]), ("DELETE\n%s\n%d" % (path, exp)).encode(), hashlib.sha256).digest()
    return "token=%s.%d.%s" % (key["id"], exp, base64.urlsafe_b64encode(m).rstrip(b"=").decode())
