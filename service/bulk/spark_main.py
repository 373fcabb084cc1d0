"""The main file for ``spark-submit``: ``enricher bulk IN OUT --spark`` with the cluster's master.

    spark-submit --master spark://host:7077 $(python -c 'import service.bulk.spark_main as m; print(m.__file__)') \\
        IN OUT [--language es] [--resume]
"""

from __future__ import annotations

import sys

from service.cli import main

if __name__ == "__main__":
    sys.exit(main(["bulk", *sys.argv[1:], "--spark"]))
