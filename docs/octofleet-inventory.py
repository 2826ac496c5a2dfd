#!/usr/bin/env python3
"""Ansible dynamic inventory for Octofleet (see docs/ansible.md).

    export OCTOFLEET_URL=https://octofleet.example.com OCTOFLEET_TOKEN=<bearer token>
    ansible-inventory -i octofleet-inventory.py --list
    ansible-playbook -i octofleet-inventory.py site.yml

Python 3 standard library only. Prints the server's JSON unchanged; secrets are never part of it.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def main():
    parser = argparse.ArgumentParser(description="Octofleet dynamic inventory for Ansible")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--list", action="store_true", help="print the whole inventory")
    mode.add_argument("--host", metavar="HOST", help="print the vars of one host")
    args = parser.parse_args()

    url = os.environ.get("OCTOFLEET_URL")
    token = os.environ.get("OCTOFLEET_TOKEN")
    if not url or not token:
        sys.exit("octofleet-inventory: set OCTOFLEET_URL and OCTOFLEET_TOKEN")
    endpoint = url.rstrip("/") + "/api/v1/ansible/inventory"
    if args.host is not None:
        endpoint += "?" + urllib.parse.urlencode({"host": args.host})
    request = urllib.request.Request(endpoint, headers={
        "Authorization": "Bearer " + token, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("OCTOFLEET_TIMEOUT", "60"))) as response:
            body = json.load(response)
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")
        sys.exit("octofleet-inventory: %s returned %d: %s" % (endpoint, e.code, detail))
    except (urllib.error.URLError, OSError, ValueError) as e:
        sys.exit("octofleet-inventory: cannot read %s: %s" % (endpoint, e))
    json.dump(body, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
