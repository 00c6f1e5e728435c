import json
import os
import unittest

import imgsign

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "testdata", "vectors.json"), encoding="utf-8") as f:
    FILE = json.load(f)
KEY = next(k for k in FILE["keys"] if k["state"] == "signing")


class Vectors(unittest.TestCase):
    def test_every_format_present(self):
        formats = {v["format"] for v in FILE["vectors"]}
        self.assertTrue({"native", "aliyun-a", "tencent-a", "tencent-d-hex", "tencent-d-dec"} <= formats)

    def test_vectors(self):
        for v in FILE["vectors"]:
            with self.subTest(name=v["name"], format=v["format"]):
                path = imgsign.canonical_path(v["input"])
                self.assertEqual(path, v["path"])
                exp = imgsign.expiry(v["now"], v["ttl"], v["bucket"])
                self.assertEqual(exp, v["exp"])
                q = imgsign.query(v["format"], path, exp, key=KEY, cdn_key=FILE["cdn"]["key"], valid_for=FILE["cdn"]["valid_for"])
                self.assertEqual(q, v["query"])
                if v["format"] == "native":
                    tok = q[len("token="):]
                    self.assertIsNone(imgsign.verify_token(FILE["keys"], path, tok, v["now"]))
                    self.assertEqual(imgsign.verify_token(FILE["keys"], path + "x", tok, v["now"]), "bad mac")
                    self.assertEqual(imgsign.verify_token(FILE["keys"], path, tok, v["exp"] + 1), "expired")

    def test_markup(self):
        for m in FILE["markup"]:
            with self.subTest(name=m["name"]):
                kw = dict(key=KEY, cdn_key=FILE["cdn"]["key"], valid_for=FILE["cdn"]["valid_for"], fmt=m["format"],
                          ttl=m["ttl"], bucket=m["bucket"], now=m["now"])
                self.assertEqual(imgsign.srcset(m["base"], m["input"], m["widths"], **kw), m["srcset"])
                if m.get("picture"):
                    got = imgsign.picture(m["base"], m["input"], m["widths"], m["formats"], sizes=m.get("sizes", ""),
                                          alt=m.get("alt", ""), **kw)
                    self.assertEqual(got, m["picture"])

    def test_markup_refusals(self):
        path = {"options": {"w": 300, "f": "jpeg"}, "source": "local", "key": "a.jpg"}
        for call in [
            lambda: imgsign.picture("https://x", path, [300, 200], ["jpeg"], key=KEY),
            lambda: imgsign.picture("https://x", path, [300], ["auto"], key=KEY),
            lambda: imgsign.srcset("https://x", {"preset": "thumb", "source": "local", "key": "a"}, [300], key=KEY),
        ]:
            with self.assertRaises(imgsign.Error):
                call()

    def test_sign_url(self):
        u = imgsign.sign_url("https://cdn.example.com/", {"preset": "thumb", "source": "local", "key": "a b.jpg"},
                             key=KEY, ttl=60, bucket=60, now=1800000000)
        self.assertTrue(u.startswith("https://cdn.example.com/i/thumb/local/a%20b.jpg?token=k2026a.1800000060."), u)

    def test_refuses_non_canonical(self):
        for p in [
            {"options": {"w": 300}, "source": "local", "key": "a"},
            {"options": {"w": 300, "dpr": 1, "f": "webp"}, "source": "local", "key": "a"},
            {"options": {"w": 300, "h": 2, "fit": "cover", "f": "webp"}, "source": "local", "key": "a"},
            {"preset": "Thumb", "source": "local", "key": "a"},
            {"preset": "thumb", "source": "local", "key": "a/../b"},
            {"preset": "thumb", "source": "local", "key": "a//b"},
            {"options": { "rot": 45, "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "flip": "v", "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "c": [0, 0, 0, 5], "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "c": [65535, 0, 1, 1], "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "w": 3, "h": 3, "g": "fp", "fp": [0.5, 0.5], "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "w": 3, "h": 3, "g": "fp", "fp": [0.1234, 0], "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "w": 3, "h": 3, "fit": "pad", "g": "fp", "fp": [0.2, 0.2], "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "w": 3, "h": 3, "fp": [0.2, 0.2], "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "blur": 0.25, "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "blur": 51, "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "sh": 10.5, "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "wm": "Logo", "f": "webp" }, "source": "local", "key": "a"},
            {"options": { "bg": "ffffff", "f": "png" }, "source": "local", "key": "a"},
            {"options": { "bg": "ffffff80", "f": "jpeg" }, "source": "local", "key": "a"},
            {"info": True, "preset": "thumb", "source": "local", "key": "a"},
        ]:
            with self.subTest(p=p):
                with self.assertRaises(imgsign.Error):
                    imgsign.canonical_path(p)


if __name__ == "__main__":
    unittest.main()
