"""Fail unless the JUnit report shows MariaDB tests that ran and none skipped."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    ran = skipped = 0
    for case in ET.parse(path).iter("testcase"):  # noqa: S314 - our own report
        if "mariadb" not in case.get("name", "") + case.get("classname", ""):
            continue
        if case.find("skipped") is not None:
            skipped += 1
            print(f"skipped: {case.get('classname')}::{case.get('name')}")
        else:
            ran += 1
    print(f"MariaDB tests: {ran} ran, {skipped} skipped")
    return 0 if ran > 0 and skipped == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
