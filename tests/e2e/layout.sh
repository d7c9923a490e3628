#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# layout: the tree's layout rules (docs/ARCHITECTURE.md), checked by
# tests/layout.py: no source file over 600 lines, no function in bpf/,
# loader/, maps/ or tools/ over 80 lines unless it says why ("Why one
# function:"), no include cycle among the project's headers. Reads files,
# changes nothing; no namespace.
cd "$(dirname "$0")/../.." && exec python3 tests/layout.py
