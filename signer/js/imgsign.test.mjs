import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { canonicalPath, expiry, picture, query, signURL, srcset, verifyToken } from "./imgsign.mjs";

const file = JSON.parse(readFileSync(new URL("../testdata/vectors.json", import.meta.url), "utf8"));
const key = file.keys.find((k) => k.state === "signing");

test("vectors.json has vectors of every format", () => {
  const formats = new Set(file.vectors.map((v) => v.format));
  for (const f of ["native", "aliyun-a", "tencent-a", "tencent-d-hex", "tencent-d-dec"]) assert.ok(formats.has(f), f);
});

for (const v of file.vectors) {
  test(`${v.name} / ${v.format}`, () => {
    const path = canonicalPath(v.input);
    assert.equal(path, v.path);
    const exp = expiry(v.now, v.ttl, v.bucket);
    assert.equal(exp, v.exp);
    assert.equal(query(v.format, { key, cdnKey: file.cdn.key, validFor: file.cdn.valid_for }, path, exp), v.query);
    if (v.format === "native") {
      const tok = v.query.slice("token=".length);
      assert.equal(verifyToken(file.keys, path, tok, v.now), null);
      assert.equal(verifyToken(file.keys, path + "x", tok, v.now), "bad mac");
      assert.equal(verifyToken(file.keys, path, tok, v.exp + 1), "expired");
    }
  });
}

for (const m of file.markup) {
  test(`markup: ${m.name}`, () => {
    const r = { base: m.base, path: m.input, widths: m.widths, formats: m.formats, sizes: m.sizes, alt: m.alt,
      format: m.format, key, cdnKey: file.cdn.key, validFor: file.cdn.valid_for, now: m.now, ttl: m.ttl, bucket: m.bucket };
    assert.equal(srcset(r), m.srcset);
    if (m.picture) assert.equal(picture(r), m.picture);
  });
}

test("markup refusals", () => {
  const path = { options: { w: 300, f: "jpeg" }, source: "local", key: "a.jpg" };
  assert.throws(() => picture({ base: "https://x", path, widths: [300, 200], formats: ["jpeg"], key }), /ascending/);
  assert.throws(() => picture({ base: "https://x", path, widths: [300], formats: ["auto"], key }), /srcset/);
  assert.throws(() => srcset({ base: "https://x", path: { preset: "thumb", source: "local", key: "a" }, widths: [300], key }), /preset/);
});

test("signURL", () => {
  const u = signURL({ base: "https://cdn.example.com/", path: { preset: "thumb", source: "local", key: "a b.jpg" }, key, ttl: 60, bucket: 60, now: 1800000000 });
  assert.match(u, /^https:\/\/cdn\.example\.com\/i\/thumb\/local\/a%20b\.jpg\?token=k2026a\.1800000060\./);
});

test("refuses non-canonical input", () => {
  for (const p of [
    { options: { w: 300 }, source: "local", key: "a" },
    { options: { w: 300, dpr: 1, f: "webp" }, source: "local", key: "a" },
    { options: { w: 300, fit: "cover", h: 2, f: "webp" }, source: "local", key: "a" },
    { preset: "Thumb", source: "local", key: "a" },
    { preset: "thumb", source: "local", key: "a/../b" },
    { preset: "thumb", source: "local", key: "a//b" },
    { options: { rot: 45, f: "webp" }, source: "local", key: "a" },
    { options: { flip: "v", f: "webp" }, source: "local", key: "a" },
    { options: { c: [0, 0, 0, 5], f: "webp" }, source: "local", key: "a" },
    { options: { c: [65535, 0, 1, 1], f: "webp" }, source: "local", key: "a" },
    { options: { w: 3, h: 3, g: "fp", fp: [0.5, 0.5], f: "webp" }, source: "local", key: "a" },
    { options: { w: 3, h: 3, g: "fp", fp: [0.1234, 0], f: "webp" }, source: "local", key: "a" },
    { options: { w: 3, h: 3, fit: "pad", g: "fp", fp: [0.2, 0.2], f: "webp" }, source: "local", key: "a" },
    { options: { w: 3, h: 3, fp: [0.2, 0.2], f: "webp" }, source: "local", key: "a" },
    { options: { blur: 0.25, f: "webp" }, source: "local", key: "a" },
    { options: { blur: 51, f: "webp" }, source: "local", key: "a" },
    { options: { sh: 10.5, f: "webp" }, source: "local", key: "a" },
    { options: { wm: "Logo", f: "webp" }, source: "local", key: "a" },
    { options: { bg: "ffffff", f: "png" }, source: "local", key: "a" },
    { options: { bg: "ffffff80", f: "jpeg" }, source: "local", key: "a" },
    { info: true, preset: "thumb", source: "local", key: "a" },
  ]) assert.throws(() => canonicalPath(p), /imgsign:/, JSON.stringify(p));
});
