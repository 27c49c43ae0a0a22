"""cffi (API mode) build script for the thin binding to libdecaf's ristretto255 (decaf_255).

Compiled at install time by ``setup.py`` where libdecaf's headers exist; the extension is
``referendum.crypto._decaf`` (without it the package runs on the portable backend).
Only the functions the group interface needs are declared.
"""

import os
from pathlib import Path

from cffi import FFI

# The C parts of the binding: the multi-scalar multiplications (msm.c for public data,
# msm_secret.c in constant time for secret scalars) and the batch check of many ballots
# (ballots.c, which uses msm.c); see docs/crypto-backend.md.
_SOURCES = Path(__file__).resolve().parent / "csrc"
_C_SOURCE = "\n".join(
    (_SOURCES / name).read_text() for name in ("msm.c", "msm_secret.c", "ballots.c")
)

ffibuilder = FFI()
ffibuilder.cdef(
    """
    typedef uint64_t decaf_word_t;
    typedef int32_t decaf_error_t;
    typedef struct decaf_255_point_s { ...; } decaf_255_point_s;
    typedef struct decaf_255_scalar_s { ...; } decaf_255_scalar_s;
    typedef struct decaf_255_precomputed_s decaf_255_precomputed_s;
    extern const size_t decaf_255_sizeof_precomputed_s, decaf_255_alignof_precomputed_s;
    extern const decaf_255_precomputed_s *decaf_255_precomputed_base;
    extern const decaf_255_point_s decaf_255_point_base[1];
    extern const decaf_255_point_s decaf_255_point_identity[1];

    decaf_error_t decaf_255_scalar_decode(decaf_255_scalar_s *out, const unsigned char ser[32]);
    void decaf_255_scalar_decode_long(decaf_255_scalar_s *out, const unsigned char *ser,
                                      size_t ser_len);
    void decaf_255_scalar_encode(unsigned char ser[32], const decaf_255_scalar_s *s);
    void decaf_255_scalar_add(decaf_255_scalar_s *out, const decaf_255_scalar_s *a,
                              const decaf_255_scalar_s *b);
    void decaf_255_scalar_sub(decaf_255_scalar_s *out, const decaf_255_scalar_s *a,
                              const decaf_255_scalar_s *b);
    void decaf_255_scalar_mul(decaf_255_scalar_s *out, const decaf_255_scalar_s *a,
                              const decaf_255_scalar_s *b);
    decaf_error_t decaf_255_scalar_invert(decaf_255_scalar_s *out, const decaf_255_scalar_s *a);
    int64_t decaf_255_scalar_eq(const decaf_255_scalar_s *a, const decaf_255_scalar_s *b);
    void decaf_255_scalar_set_unsigned(decaf_255_scalar_s *out, uint64_t a);
    void decaf_255_scalar_destroy(decaf_255_scalar_s *s);

    void decaf_255_point_encode(unsigned char ser[32], const decaf_255_point_s *pt);
    decaf_error_t decaf_255_point_decode(decaf_255_point_s *pt, const unsigned char ser[32],
                                         int64_t allow_identity);
    int64_t decaf_255_point_eq(const decaf_255_point_s *a, const decaf_255_point_s *b);
    void decaf_255_point_add(decaf_255_point_s *sum, const decaf_255_point_s *a,
                             const decaf_255_point_s *b);
    void decaf_255_point_sub(decaf_255_point_s *diff, const decaf_255_point_s *a,
                             const decaf_255_point_s *b);
    void decaf_255_point_negate(decaf_255_point_s *nega, const decaf_255_point_s *a);
    void decaf_255_point_double(decaf_255_point_s *two_a, const decaf_255_point_s *a);
    void decaf_255_point_scalarmul(decaf_255_point_s *scaled, const decaf_255_point_s *base,
                                   const decaf_255_scalar_s *scalar);
    void decaf_255_precompute(decaf_255_precomputed_s *a, const decaf_255_point_s *b);
    void decaf_255_precomputed_scalarmul(decaf_255_point_s *scaled,
                                         const decaf_255_precomputed_s *base,
                                         const decaf_255_scalar_s *scalar);
    void decaf_255_point_double_scalarmul(decaf_255_point_s *combo,
                                          const decaf_255_point_s *base1,
                                          const decaf_255_scalar_s *scalar1,
                                          const decaf_255_point_s *base2,
                                          const decaf_255_scalar_s *scalar2);
    void decaf_255_base_double_scalarmul_non_secret(decaf_255_point_s *combo,
                                                    const decaf_255_scalar_s *scalar1,
                                                    const decaf_255_point_s *base2,
                                                    const decaf_255_scalar_s *scalar2);
    int64_t decaf_255_point_valid(const decaf_255_point_s *to_test);
    void decaf_255_point_from_hash_uniform(decaf_255_point_s *pt, const unsigned char h[64]);
    void decaf_255_point_destroy(decaf_255_point_s *pt);
    void decaf_255_precomputed_destroy(decaf_255_precomputed_s *pre);
    void decaf_255_point_cond_sel(decaf_255_point_s *out, const decaf_255_point_s *a,
                                  const decaf_255_point_s *b, decaf_word_t pick_b);
    void decaf_255_scalar_cond_sel(decaf_255_scalar_s *out, const decaf_255_scalar_s *a,
                                   const decaf_255_scalar_s *b, decaf_word_t pick_b);

    int referendum_msm_vartime(decaf_255_point_s *out, const decaf_255_point_s *const *points,
                               const decaf_255_scalar_s *const *scalars, size_t n);
    int referendum_msm_secret(decaf_255_point_s *out, const decaf_255_point_s *const *points,
                              const decaf_255_scalar_s *const *scalars, size_t n);
    int referendum_weighted_msm_vartime(decaf_255_point_s *out,
                                        const decaf_255_point_s *const *points, size_t n_points,
                                        const unsigned char *weights,
                                        const decaf_255_scalar_s *const *scalars,
                                        const size_t *point_index, const size_t *weight_index,
                                        size_t n_terms);
    int referendum_check_ballots(
        const unsigned char *items, size_t n, const unsigned char *digests,
        const unsigned char *weights, size_t n_weights, const unsigned char *fingerprint,
        size_t fingerprint_len, const unsigned char public_key[32],
        const unsigned char *selection_domain, size_t selection_domain_len,
        const unsigned char *count_domain, size_t count_domain_len, const uint32_t *shape,
        size_t questions, const decaf_255_precomputed_s *key_table, decaf_255_point_s *sums);
    """
)
ffibuilder.set_source(
    "referendum.crypto._decaf",
    """
    #include <decaf.h>
    #include <decaf/sha512.h>
    #include <stdint.h>
    #include <stdlib.h>
    #include <string.h>
    typedef struct decaf_255_point_s decaf_255_point_s;
    typedef struct decaf_255_scalar_s decaf_255_scalar_s;
    """
    + _C_SOURCE,
    libraries=["decaf"],
    include_dirs=[os.environ.get("REFERENDUM_DECAF_INCLUDE", "/usr/include/decaf")],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
