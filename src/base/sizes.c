/* sizes.c - the sizes of sizes.h agree with libsodium's and OpenSSL's (checked when compiling). */
#include "base/sizes.h"

#include <openssl/md5.h>
#include <openssl/sha.h>
#include <sodium.h>

_Static_assert(PL_MD5_SIZE == MD5_DIGEST_LENGTH, "MD5 digest size");
_Static_assert(PL_SHA1_SIZE == SHA_DIGEST_LENGTH, "SHA-1 digest size");
_Static_assert(PL_SHA256_SIZE == SHA256_DIGEST_LENGTH, "SHA-256 digest size");
_Static_assert(PL_SHA512_SIZE == SHA512_DIGEST_LENGTH, "SHA-512 digest size");
_Static_assert(PL_ED25519_PK_SIZE == crypto_sign_PUBLICKEYBYTES, "Ed25519 public key size");
_Static_assert(PL_ED25519_SEED_SIZE == crypto_sign_SEEDBYTES, "Ed25519 seed size");
_Static_assert(PL_ED25519_SK_SIZE == crypto_sign_SECRETKEYBYTES, "Ed25519 secret key size");
_Static_assert(PL_ED25519_SIG_SIZE == crypto_sign_BYTES, "Ed25519 signature size");
_Static_assert(PL_X25519_PK_SIZE == crypto_box_PUBLICKEYBYTES, "X25519 public key size");
_Static_assert(PL_X25519_SK_SIZE == crypto_box_SECRETKEYBYTES, "X25519 secret key size");
_Static_assert(PL_X25519_PK_SIZE == crypto_scalarmult_BYTES, "X25519 public key size (scalarmult)");
_Static_assert(PL_X25519_SK_SIZE == crypto_scalarmult_SCALARBYTES, "X25519 secret key size (scalarmult)");
_Static_assert(PL_B64_LEN(PL_ED25519_SIG_SIZE) == 88 && PL_HEX_LEN(PL_SHA256_SIZE) == 64, "text lengths");
