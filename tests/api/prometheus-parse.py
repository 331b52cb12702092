# Parses a Prometheus text exposition with the reference client's parser (Debian's
# python3-prometheus-client) and prints it as JSON, for MetricsTest.
# Usage: /usr/bin/python3 prometheus-parse.py <file>; exit 1 with the parser's error.
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
try:
    families = [
        {
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [
                {"name": s.name, "labels": s.labels,
                 "value": "+Inf" if math.isinf(s.value) else s.value}
                for s in family.samples
            ],
        }
        for family in text_string_to_metric_families(text)
    ]
except Exception as error:  # the parser raises ValueError and friends on bad input
    print(f"parse error: {error}", file=sys.stderr)
    sys.exit(1)
json.dump(families, sys.stdout)
