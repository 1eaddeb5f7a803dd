#!/usr/bin/env bash
# Test PKI for the firmware transport tests (openssl CLI, EC P-256, all in $1):
#   ca.{crt,key}            the trusted CA
#   server.{crt,key}        localhost (SAN DNS:localhost), signed by ca
#   expired.{crt,key}       localhost, signed by ca, valid 2020-01-01 .. 2021-01-01
#   device.{crt,key}        a device certificate signed by ca
#   rogue-ca.{crt,key}      an unrelated CA
#   rogue-device.{crt,key}  a device certificate signed by rogue-ca (the "bad certificate")
set -euo pipefail
d=$1
cd "$d"
ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }
mkca() {
  ec "$1"
  openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "/CN=$2" -out "$1.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() {  # name ca cn ext
  ec "$1"
  openssl req -new -key "$1.key" -subj "/CN=$3" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 30 -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
mkca ca "iotlite test CA"
mkca rogue-ca "rogue CA"
leaf server ca localhost "subjectAltName=DNS:localhost"
leaf device ca device-1 "extendedKeyUsage=clientAuth"
leaf rogue-device rogue-ca device-1 "extendedKeyUsage=clientAuth"
# Expired: `openssl ca` can set explicit dates in the past.
ec expired
openssl req -new -key expired.key -subj "/CN=localhost" -out expired.csr 2>/dev/null
mkdir -p ca-db && : > ca-db/index.txt && echo 01 > ca-db/serial
cat > ca.cnf <<CNF
[ ca ]
default_ca = test
[ test ]
dir = ca-db
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
[ any ]
commonName = supplied
[ ext ]
subjectAltName = DNS:localhost
CNF
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20210101000000Z -notext 2>/dev/null
# Mosquitto started as root drops to its own user: let it read the (throw-away) test PKI.
chmod 755 "$d"
chmod 644 ./*.crt ./*.key
