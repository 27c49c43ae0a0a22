"""cffi (API mode) build script for the thin binding to libdecaf's ristretto255 (decaf_255).

Compiled at install time by ``setup.py``; the extension is ``referendum.crypto._decaf``.
Only the functions the group interface needs are declared.
"""

from cffi import FFI

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
    """
)
ffibuilder.set_source(
    "referendum.crypto._decaf",
    """
    #include <decaf.h>
    typedef struct decaf_255_point_s decaf_255_point_s;
    typedef struct decaf_255_scalar_s decaf_255_scalar_s;
    """,
    libraries=["decaf"],
    include_dirs=["/usr/include/decaf"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
