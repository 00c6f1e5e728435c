import json
import os
import unittest

import imgsign

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "..", "testdata", "upload-vectors.json"), encoding="utf-8") as f:
    FILE = json.load(f)
KEY = next(k for k in FILE["keys"] if k["state"] == "signing")


class UploadVectors(unittest.TestCase):
    def test_policies(self):
        for v in FILE["policies"]:
            with self.subTest(name=v["name"]):
                self.assertEqual(imgsign.policy_document(v["policy"]), v["document"])
                self.assertEqual(imgsign.sign_upload_policy(v["policy"], KEY), v["token"])

    def test_deletes(self):
        for d in FILE["deletes"]:
            with self.subTest(path=d["path"]):
                self.assertEqual(imgsign.upload_path(d["source"], d["key"]), d["path"])
                self.assertEqual(imgsign.delete_query(KEY, d["source"], d["key"], d["exp"]), d["query"])

    def test_refuses_policy_without_limits(self):
        with self.assertRaises(imgsign.Error):
            imgsign.policy_document({"source": "s3", "exp": 1})
        with self.assertRaises(imgsign.Error):
            imgsign.policy_document({"source": "s3", "key": "a", "prefix": "b/", "max_bytes": 1, "exp": 1})


if __name__ == "__main__":
    unittest.main()
