// Reference signer for imgorigin URLs in JavaScript (Node.js, no dependencies).
// It builds the canonical path exactly like the Go package signer/imgurl and signs it like the
// Go package signer. Checked against ../testdata/vectors.json by imgsign.test.mjs.
//
//   import { signURL } from "./imgsign.mjs";
//   const url = signURL({
//     base: "https://cdn.example.com",
//     path: { options: { w: 300, f: "webp" }, source: "local", key: "photos/cat.jpg" },
//     key: { id: "2026-01", secret: "<base64url secret from the key file>" },
//     ttl: 3600, bucket: 900,
//   });

import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const LIMITS = Object.freeze({ maxWidth: 4096, maxHeight: 4096, maxDPR: 4, maxKeyLen: 1024, maxPathLen: 2048, maxBlur: 50, maxSharpen: 10 });
const MAX_CROP_SIDE = 65535;

const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const FITS = new Set(["contain", "fill", "inside", "pad"]); // cover is the default, never written
const GRAVITIES = new Set(["n", "ne", "e", "se", "s", "sw", "w", "nw", "smart", "fp"]); // fp: with fp: [x, y]
const FORMATS = new Set(["jpeg", "png", "webp", "avif", "gif", "auto"]); // auto: the origin picks per browser

function fail(msg) {
  throw new Error("imgsign: " + msg);
}

// escapeSegment is Go's url.PathEscape: unreserved bytes and $&+:=@ stay, the rest is %XX.
export function escapeSegment(seg) {
  let out = "";
  for (const b of new TextEncoder().encode(seg)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~$&+:=@]/.test(c)) out += c;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

export function escapeKey(key) {
  return key.split("/").map(escapeSegment).join("/");
}

function checkInt(name, v, lo, hi) {
  if (!Number.isInteger(v) || v < lo || v > hi) fail(`${name}: must be ${lo}..${hi}`);
}

// decimal writes a number as Go's strconv.FormatFloat(v, 'f', -1, 64) does for the short
// decimals the grammar allows (at most three places).
function decimal(v) {
  return String(v);
}

function checkPlaces(name, v, places, lo, hi) {
  const m = 10 ** places;
  if (typeof v !== "number" || !(v >= lo && v <= hi) || Math.round(v * m) / m !== v) fail(`${name}: ${lo}..${hi} with at most ${places} decimals`);
}

// optionsSegment returns the canonical options segment, defaults left out, in the order the
// origin applies them: c rot flip w h fit g dpr blur sh wm tm q bg f.
export function optionsSegment(o, lim = LIMITS) {
  const parts = [];
  const both = o.w && o.h;
  if (o.c) {
    if (!Array.isArray(o.c) || o.c.length !== 4) fail("c: [x, y, width, height]");
    const [x, y, w, h] = o.c;
    checkInt("c x", x, 0, MAX_CROP_SIDE);
    checkInt("c y", y, 0, MAX_CROP_SIDE);
    checkInt("c width", w, 1, MAX_CROP_SIDE - x);
    checkInt("c height", h, 1, MAX_CROP_SIDE - y);
    parts.push(`c_${x}_${y}_${w}_${h}`);
  }
  if (o.rot) {
    if (![90, 180, 270].includes(o.rot)) fail("rot: 90, 180 or 270");
    parts.push("rot_" + o.rot);
  }
  if (o.flip) {
    if (o.flip !== "h") fail("flip: h (a vertical flip is rot 180 + flip h)");
    parts.push("flip_h");
  }
  if (o.w) { checkInt("w", o.w, 1, lim.maxWidth); parts.push("w_" + o.w); }
  if (o.h) { checkInt("h", o.h, 1, lim.maxHeight); parts.push("h_" + o.h); }
  if (o.fit) {
    if (!FITS.has(o.fit)) fail(`fit: ${o.fit} (contain, fill, inside, pad; leave cover out)`);
    if (!both) fail("fit: needs both w and h");
    parts.push("fit_" + o.fit);
  }
  if (o.fp && o.g !== "fp") fail("fp: only with g fp");
  if (o.g) {
    if (!GRAVITIES.has(o.g)) fail(`g: ${o.g}`);
    if (!both) fail("g: needs both w and h");
    if (o.fit && o.fit !== "pad") fail("g: only with the default fit or pad");
    if ((o.g === "smart" || o.g === "fp") && o.fit === "pad") fail(`g: ${o.g} cannot place a pad`);
    if (o.g === "fp") {
      if (!Array.isArray(o.fp) || o.fp.length !== 2) fail("g fp: needs fp: [x, y]");
      checkPlaces("fp x", o.fp[0], 3, 0, 1);
      checkPlaces("fp y", o.fp[1], 3, 0, 1);
      if (o.fp[0] === 0.5 && o.fp[1] === 0.5) fail("fp: the centre is the default; leave g out");
      parts.push(`g_fp_${decimal(o.fp[0])}_${decimal(o.fp[1])}`);
    } else {
      parts.push("g_" + o.g);
    }
  }
  if (o.dpr) {
    const d = o.dpr;
    if (!(d > 0 && d <= lim.maxDPR)) fail(`dpr: above 0, at most ${lim.maxDPR}`);
    if (d === 1) fail("dpr: 1 is the default; leave it out");
    if (d < 0.01 || Math.round(d * 100) / 100 !== d) fail("dpr: at most two decimals");
    parts.push("dpr_" + String(d));
  }
  if (o.blur) { checkPlaces("blur", o.blur, 1, 0.1, lim.maxBlur); parts.push("blur_" + decimal(o.blur)); }
  if (o.sh) { checkPlaces("sh", o.sh, 1, 0.1, lim.maxSharpen); parts.push("sh_" + decimal(o.sh)); }
  if (o.wm) { if (!NAME.test(o.wm)) fail("wm: [a-z0-9][a-z0-9-]{0,31}"); parts.push("wm_" + o.wm); }
  if (o.tm) { if (!NAME.test(o.tm)) fail("tm: [a-z0-9][a-z0-9-]{0,31}"); parts.push("tm_" + o.tm); }
  if (o.q) { checkInt("q", o.q, 1, 100); parts.push("q_" + o.q); }
  if (o.bg) {
    if (!/^([0-9a-f]{6}|[0-9a-f]{8})$/.test(o.bg)) fail("bg: lower-case rrggbb or rrggbbaa");
    if (o.fit !== "pad" && o.f !== "jpeg") fail("bg: only with fit pad or f jpeg (flattening)");
    if (o.fit !== "pad" && o.bg.length !== 6) fail("bg: flattening onto a colour takes rrggbb");
    parts.push("bg_" + o.bg);
  }
  if (!FORMATS.has(o.f)) fail("f: one of jpeg, png, webp, avif, gif, auto is required");
  parts.push("f_" + o.f);
  return parts.join(",");
}

function checkKey(key, lim) {
  if (key === "" || new TextEncoder().encode(key).length > lim.maxKeyLen) fail("key: 1.." + lim.maxKeyLen + " bytes");
  if (key.includes("\0")) fail("key: NUL");
  for (const seg of key.split("/")) if (seg === "" || seg === "." || seg === "..") fail("key: empty, '.' or '..' segment");
}

// canonicalPath builds /i/{variant}/{source}/{key} from {preset | options, source, key}, or the
// info path /info/{source}/{key} from {info: true, source, key}.
export function canonicalPath(p, lim = LIMITS) {
  if (p.info) {
    if (p.preset || p.options) fail("an info path has no variant");
    if (!NAME.test(p.source || "")) fail("source: [a-z0-9][a-z0-9-]{0,31}");
    checkKey(p.key || "", lim);
    const path = "/info/" + p.source + "/" + escapeKey(p.key);
    if (path.length > lim.maxPathLen) fail("path: too long");
    return path;
  }
  let variant;
  if (p.preset) {
    if (p.options) fail("preset and options are exclusive");
    if (!NAME.test(p.preset)) fail("preset: [a-z0-9][a-z0-9-]{0,31}");
    variant = p.preset;
  } else {
    variant = optionsSegment(p.options || {}, lim);
  }
  if (!NAME.test(p.source || "")) fail("source: [a-z0-9][a-z0-9-]{0,31}");
  const key = p.key || "";
  if (key === "" || new TextEncoder().encode(key).length > lim.maxKeyLen) fail("key: 1.." + lim.maxKeyLen + " bytes");
  if (key.includes("\0")) fail("key: NUL");
  for (const seg of key.split("/")) if (seg === "" || seg === "." || seg === "..") fail("key: empty, '.' or '..' segment");
  const path = "/i/" + variant + "/" + p.source + "/" + escapeKey(key);
  if (path.length > lim.maxPathLen) fail("path: too long");
  return path;
}

// expiry: now + ttl rounded up to the bucket (all in seconds).
export function expiry(now, ttl, bucket) {
  let t = Math.ceil(now + ttl);
  if (bucket > 1 && t % bucket !== 0) t += bucket - (t % bucket);
  return t;
}

function secretBytes(secret) {
  return typeof secret === "string" ? Buffer.from(secret, "base64url") : Buffer.from(secret);
}

// token returns "{kid}.{exp}.{mac}" for GET of path.
export function token(key, path, exp) {
  const mac = createHmac("sha256", secretBytes(key.secret)).update(`GET\n${path}\n${exp}`).digest("base64url");
  return `${key.id}.${exp}.${mac}`;
}

// verifyToken returns null or the reason ("malformed token", "unknown key", "bad mac", "expired").
export function verifyToken(keys, path, tok, now, skew = 0) {
  const m = /^([A-Za-z0-9_-]{1,32})\.(0|[1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$/.exec(tok);
  if (!m) return "malformed token";
  const key = keys.find((k) => k.id === m[1]);
  if (!key) return "unknown key";
  if (key.state === "retired") return "retired key";
  const want = Buffer.from(token(key, path, Number(m[2])).split(".")[2]);
  if (!timingSafeEqual(want, Buffer.from(m[3]))) return "bad mac";
  if (now > Number(m[2]) + skew) return "expired";
  return null;
}

const md5 = (s) => createHash("md5").update(s).digest("hex");

// aliyunA / tencentA: {ts}-{rand}-{uid}-{md5(path-ts-rand-uid-key)}, ts = exp - validFor.
export function typeA(cdnKey, path, exp, validFor, rand = "0", uid = "0") {
  const ts = exp - validFor;
  return `${ts}-${rand}-${uid}-${md5(`${path}-${ts}-${rand}-${uid}-${cdnKey}`)}`;
}
export const aliyunA = (cdnKey, path, exp, validFor) => "auth_key=" + typeA(cdnKey, path, exp, validFor);
export const tencentA = (cdnKey, path, exp, validFor) => "sign=" + typeA(cdnKey, path, exp, validFor);

// tencentD: sign=md5(key + path + ts)&t=ts, ts = exp - validFor in hex (or decimal).
export function tencentD(cdnKey, path, exp, validFor, decimal = false) {
  const ts = (exp - validFor).toString(decimal ? 10 : 16);
  return `sign=${md5(cdnKey + path + ts)}&t=${ts}`;
}

// query renders the authorization query of a format: native, aliyun-a, tencent-a, tencent-d(-dec).
export function query(format, { key, cdnKey, validFor }, path, exp) {
  switch (format) {
    case "native": return "token=" + token(key, path, exp);
    case "aliyun-a": return aliyunA(cdnKey, path, exp, validFor);
    case "tencent-a": return tencentA(cdnKey, path, exp, validFor);
    case "tencent-d": case "tencent-d-hex": return tencentD(cdnKey, path, exp, validFor);
    case "tencent-d-dec": return tencentD(cdnKey, path, exp, validFor, true);
  }
  fail("unknown format " + format);
}

// signURL builds a full signed URL. now defaults to the clock (seconds).
export function signURL({ base, path, key, cdnKey, validFor = 1800, format = "native", ttl = 3600, bucket = 900, now = Date.now() / 1000 }) {
  const p = canonicalPath(path);
  const exp = expiry(now, ttl, bucket);
  return base.replace(/\/$/, "") + p + "?" + query(format, { key, cdnKey, validFor }, p, exp);
}

// --- responsive markup (signer/markup.go): srcset and <picture>, every URL with one expiry ---

// escapeAttr escapes like Go's html.EscapeString.
const escapeAttr = (s) => s.replace(/[&'<>"]/g, (c) => ({ "&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;" })[c]);

function checkResponsive(r, lim = LIMITS) {
  const o = r.path.options;
  if (r.path.preset || !o) fail("responsive markup needs explicit options, not a preset");
  if (!o.w) fail("responsive markup needs options with w (heights scale with it)");
  if (!r.widths || r.widths.length === 0) fail("responsive markup needs at least one width");
  r.widths.forEach((w, i) => {
    checkInt("width", w, 1, lim.maxWidth);
    if (i > 0 && w <= r.widths[i - 1]) fail("widths must be ascending, without repeats");
  });
}

// candidate is r.path at width w in format f; a height scales with the width, rounded half up.
function candidate(r, w, f) {
  const o = { ...r.path.options, w, f };
  if (o.h) o.h = Math.max(1, Math.floor((r.path.options.h * w + Math.floor(r.path.options.w / 2)) / r.path.options.w));
  return { ...r.path, options: o };
}

function signedURL(base, p, fmt, keys, exp) {
  const path = canonicalPath(p);
  return base.replace(/\/$/, "") + path + "?" + query(fmt, keys, path, exp);
}

function srcsetOf(r, f, exp) {
  return r.widths.map((w) => signedURL(r.base, candidate(r, w, f), r.format || "native", r, exp) + " " + w + "w").join(", ");
}

// srcset returns "URL 320w, URL 640w" of r.path at each width in its own format (not escaped).
// r: { base, path: {options, source, key}, widths, key | cdnKey+validFor, format, ttl, bucket, now } or exp.
export function srcset(r) {
  checkResponsive(r);
  const exp = r.exp ?? expiry(r.now ?? Date.now() / 1000, r.ttl ?? 3600, r.bucket ?? 900);
  return srcsetOf(r, r.path.options.f, exp);
}

// picture returns <picture> markup: a <source> per format of r.formats but the last, then the
// <img> in the last format (src = its widest candidate); r.sizes and r.alt as in Go's Responsive.
export function picture(r) {
  checkResponsive(r);
  if (!r.formats || r.formats.length === 0) fail("a <picture> needs at least one format");
  r.formats.forEach((f, i) => {
    if (f === "auto") fail("a <picture> lists explicit formats; use srcset for f_auto");
    if (r.formats.indexOf(f) !== i) fail(`format ${f} listed twice`);
  });
  const exp = r.exp ?? expiry(r.now ?? Date.now() / 1000, r.ttl ?? 3600, r.bucket ?? 900);
  const sizes = r.sizes ? ` sizes="${escapeAttr(r.sizes)}"` : "";
  const type = (f) => (f === "jpeg" ? "image/jpeg" : "image/" + f);
  let out = "<picture>";
  for (const f of r.formats.slice(0, -1)) out += `<source type="${type(f)}" srcset="${escapeAttr(srcsetOf(r, f, exp))}"${sizes}>`;
  const f = r.formats[r.formats.length - 1];
  const src = signedURL(r.base, candidate(r, r.widths[r.widths.length - 1], f), r.format || "native", r, exp);
  out += `<img src="${escapeAttr(src)}" srcset="${escapeAttr(srcsetOf(r, f, exp))}"${sizes} alt="${escapeAttr(r.alt || "")}">`;
  return out + "</picture>";
}

// --- the write path (signer/upload.go) ---

// The fields of an upload policy, in the order every signer writes them.
const POLICY_FIELDS = ["source", "key", "prefix", "max_bytes", "formats", "max_pixels", "max_frames", "sha256", "exp"];

// policyDocument is the policy's JSON text as the Go signer writes it: fields in order, empty
// optional fields left out.
export function policyDocument(p) {
  if (!NAME.test(p.source || "")) fail("policy source: names are [a-z0-9][a-z0-9-]{0,31}");
  if (p.key && p.prefix) fail("policy: key and prefix are exclusive");
  if (!Number.isInteger(p.max_bytes) || p.max_bytes <= 0) fail("policy max_bytes: must be > 0");
  if (!Number.isInteger(p.exp) || p.exp <= 0) fail("policy exp: must be a unix time");
  const doc = {};
  for (const f of POLICY_FIELDS) {
    const v = p[f];
    const required = f === "source" || f === "max_bytes" || f === "exp";
    if (required || (v !== undefined && v !== "" && v !== 0 && !(Array.isArray(v) && v.length === 0))) doc[f] = v;
  }
  return JSON.stringify(doc);
}

const policyMAC = (secret, text) =>
  createHmac("sha256", secretBytes(secret)).update("imgorigin-upload-policy-v1\n" + text).digest("base64url");

// signUploadPolicy returns "{kid}.{base64url(policy JSON)}.{mac}", sent by the client as the
// form field / query parameter "policy" or the header X-Upload-Policy.
export function signUploadPolicy(p, key) {
  const text = Buffer.from(policyDocument(p), "utf8").toString("base64url");
  return `${key.id}.${text}.${policyMAC(key.secret, text)}`;
}

// uploadPath is /u/{source}/{key} (key escaped as in image URLs).
export const uploadPath = (source, key) => "/u/" + source + (key ? "/" + escapeKey(key) : "");

// deleteQuery signs DELETE of an object until exp: "token={kid}.{exp}.{mac}".
export function deleteQuery(key, source, objectKey, exp) {
  const path = uploadPath(source, objectKey);
  const mac = createHmac("sha256", secretBytes(key.secret)).update(`DELETE\n${path}\n${exp}`).digest("base64url");
  return `token=${key.id}.${exp}.${mac}`;
}
