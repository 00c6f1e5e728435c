import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { deleteQuery, policyDocument, signUploadPolicy, uploadPath } from "./imgsign.mjs";

const file = JSON.parse(readFileSync(new URL("../testdata/upload-vectors.json", import.meta.url), "utf8"));
const key = file.keys.find((k) => k.state === "signing");

for (const v of file.policies) {
  test(`policy: ${v.name}`, () => {
    assert.equal(policyDocument(v.policy), v.document);
    assert.equal(signUploadPolicy(v.policy, key), v.token);
  });
}

for (const d of file.deletes) {
  test(`delete: ${d.path}`, () => {
    assert.equal(uploadPath(d.source, d.key), d.path);
    assert.equal(deleteQuery(key, d.source, d.key, d.exp), d.query);
  });
}

test("refuses a policy without limits", () => {
  assert.throws(() => policyDocument({ source: "s3", exp: 1 }), /max_bytes/);
  assert.throws(() => policyDocument({ source: "s3", key: "a", prefix: "b/", max_bytes: 1, exp: 1 }), /exclusive/);
});
