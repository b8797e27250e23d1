import sys

from cfgtools.cli import main

sys.exit(main())
