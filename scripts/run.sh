#!/usr/bin/env bash
# make run: the main job on the default vault. Creates the vault when there is none,
# imports IMPORT (a folder, CD copy or .zip) when given, then lists the studies.
set -euo pipefail
vault=$1
import=${2:-}
bin=${CUSTOS_BIN:-build/custos}

if [ ! -f "$vault/vault.json" ]; then
  echo "No vault yet at $vault: creating an encrypted one."
  echo "Choose a passphrase (or set CUSTOS_PASSPHRASE); keep the recovery key it prints."
  "$bin" --vault "$vault" init
fi
if [ -n "$import" ]; then
  status=0
  "$bin" --vault "$vault" import "$import" || status=$?
  # 3 means some files were rejected (listed above) and the rest stored.
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
fi
"$bin" --vault "$vault" studies
echo
echo "Vault: $vault   (import more with: make run IMPORT=/path/to/cd-or-folder-or.zip)"
