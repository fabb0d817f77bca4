#!/usr/bin/env bash
# make run: the main job on the default vault. Creates the vault when there is none,
# imports IMPORT (a folder, CD copy or .zip) when given, lists the studies, makes sure there
# is an owner account for the browser, then serves the vault (custos serve) until Ctrl-C.
# SERVE=0 stops after the listing.
set -euo pipefail
vault=$1
import=${2:-}
bin=${CUSTOS_BIN:-build/custos}
listen=${LISTEN:-127.0.0.1:8443}

if [ ! -f "$vault/vault.json" ]; then
  echo "No vault yet at $vault: creating an encrypted one."
  echo "Choose a passphrase (or set CUSTOS_PASSPHRASE); keep the recovery key it prints."
  "$bin" --vault "$vault" init
fi
# Ask for the passphrase once for the commands below (they each unlock the vault), unless
# it comes from the environment or a key file; it stays in this script's environment only.
if [ -z "${CUSTOS_PASSPHRASE:-}" ] && [ -z "${CUSTOS_KEY_FILE:-}" ] && [ -t 0 ] &&
   grep -q '"encryption": *{' "$vault/vault.json"; then
  read -r -s -p "Passphrase for $vault: " CUSTOS_PASSPHRASE
  echo
  export CUSTOS_PASSPHRASE
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
if [ "${SERVE:-1}" = 0 ]; then exit 0; fi

# The browser needs an account: the first one is the owner's.
if [ "$("$bin" --vault "$vault" user list --json)" = "[]" ]; then
  owner=${CUSTOS_OWNER:-${USER:-owner}}
  echo
  echo "Create the owner's account for the browser ($owner): choose a password (10+ characters)."
  args=()
  if [ -n "${CUSTOS_OWNER_PASSWORD_FILE:-}" ]; then args=(--password-file "$CUSTOS_OWNER_PASSWORD_FILE"); fi
  "$bin" --vault "$vault" user add "$owner" --role owner "${args[@]}"
  echo "Add a second factor later with: $bin --vault $vault user totp $owner"
fi
echo
echo "Open the URL below in a browser and log in (the certificate is self-signed: accept it once)."
exec "$bin" --vault "$vault" serve --listen "$listen"
