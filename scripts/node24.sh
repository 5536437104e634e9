#!/usr/bin/env bash
# Prints the path of a Node 24 binary (scripts/node-major.sh 24), for callers that name it so.
exec bash "$(dirname "$0")/node-major.sh" 24
