/* Variable-time multi-scalar multiplication (Straus' method for few points, Pippenger's
   bucket method for many), built only from libdecaf's public point operations.  Public data
   only: it checks random linear combinations of verification equations. */
#define REFERENDUM_TABLE 8
static void referendum_digits(signed char r[256], const unsigned char bytes[32]) {
    int i, b, k;
    for (i = 0; i < 256; ++i) r[i] = (signed char)(1 & (bytes[i >> 3] >> (i & 7)));
    for (i = 0; i < 256; ++i) {
        if (!r[i]) continue;
        for (b = 1; b <= 6 && i + b < 256; ++b) {
            int next = r[i + b] << b;
            if (!r[i + b]) continue;
            if (r[i] + next <= 15) {
                r[i] = (signed char)(r[i] + next);
                r[i + b] = 0;
            } else if (r[i] - next >= -15) {
                r[i] = (signed char)(r[i] - next);
                for (k = i + b; k < 256; ++k) {
                    if (!r[k]) { r[k] = 1; break; }
                    r[k] = 0;
                }
            } else {
                break;
            }
        }
    }
}

/* (L - 1) / 2, little-endian: scalars above it are multiplied as -(L - s), so that small
   negative coefficients (such as -weight) stay short. */
static const unsigned char referendum_half_order[32] = {
    0xf6, 0xe9, 0x7a, 0x2e, 0x8d, 0x31, 0x09, 0x2c, 0x6b, 0xce, 0x7b, 0x51, 0xef, 0x7c, 0x6f, 0x0a,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08};

static int referendum_above_half(const unsigned char bytes[32]) {
    int i;
    for (i = 31; i >= 0; --i) {
        if (bytes[i] != referendum_half_order[i]) return bytes[i] > referendum_half_order[i];
    }
    return 0;
}

static int referendum_straus(decaf_255_point_s *out, const decaf_255_point_s *const *points,
                             const decaf_255_scalar_s *const *scalars, size_t n) {
    size_t j;
    int i, top = -1, t;
    unsigned char bytes[32];
    decaf_255_scalar_t negated;
    signed char *digits = malloc(n * 256 + 1);
    decaf_255_point_s *table = malloc(n * REFERENDUM_TABLE * sizeof(decaf_255_point_s) + 1);
    decaf_255_point_s twice;
    if (!digits || !table) { free(digits); free(table); return 0; }
    for (j = 0; j < n; ++j) {
        decaf_255_scalar_encode(bytes, scalars[j]);
        if (referendum_above_half(bytes)) {
            decaf_255_scalar_sub(negated, decaf_255_scalar_zero, scalars[j]);
            decaf_255_scalar_encode(bytes, negated);
            decaf_255_point_negate(&table[j * REFERENDUM_TABLE], points[j]);
        } else {
            decaf_255_point_copy(&table[j * REFERENDUM_TABLE], points[j]);
        }
        referendum_digits(digits + j * 256, bytes);
        for (i = 255; i > top; --i) if (digits[j * 256 + i]) { top = i; break; }
        decaf_255_point_double(&twice, &table[j * REFERENDUM_TABLE]);
        for (t = 1; t < REFERENDUM_TABLE; ++t)
            decaf_255_point_add(&table[j * REFERENDUM_TABLE + t],
                                &table[j * REFERENDUM_TABLE + t - 1], &twice);
    }
    decaf_255_point_copy(out, decaf_255_point_identity);
    for (i = top; i >= 0; --i) {
        decaf_255_point_double(out, out);
        for (j = 0; j < n; ++j) {
            signed char d = digits[j * 256 + i];
            if (d > 0) decaf_255_point_add(out, out, &table[j * REFERENDUM_TABLE + d / 2]);
            else if (d < 0) decaf_255_point_sub(out, out, &table[j * REFERENDUM_TABLE + (-d) / 2]);
        }
    }
    free(digits);
    free(table);
    return 1;
}

/* Pippenger's bucket method for many points: signed radix-2^c digits (|d| <= 2^(c-1)). */
static int referendum_pippenger(decaf_255_point_s *out, const decaf_255_point_s *const *points,
                                const decaf_255_scalar_s *const *scalars, size_t n, int c) {
    int windows = (253 + c - 1) / c + 1, half = 1 << (c - 1), w, k, bit;
    size_t j;
    unsigned char bytes[32];
    decaf_255_scalar_t negated;
    short *digits = malloc(n * windows * sizeof(short) + 1);
    unsigned char *negative = malloc(n + 1);
    decaf_255_point_s *buckets = malloc((half + 1) * sizeof(decaf_255_point_s));
    unsigned char *used = malloc(half + 1);
    decaf_255_point_s running, total;
    if (!digits || !negative || !buckets || !used) {
        free(digits); free(negative); free(buckets); free(used);
        return 0;
    }
    for (j = 0; j < n; ++j) {
        int carry = 0;
        decaf_255_scalar_encode(bytes, scalars[j]);
        negative[j] = (unsigned char)referendum_above_half(bytes);
        if (negative[j]) {
            decaf_255_scalar_sub(negated, decaf_255_scalar_zero, scalars[j]);
            decaf_255_scalar_encode(bytes, negated);
        }
        for (w = 0; w < windows; ++w) {
            int v = carry;
            for (k = 0; k < c; ++k) {
                bit = w * c + k;
                if (bit < 256) v += ((bytes[bit >> 3] >> (bit & 7)) & 1) << k;
            }
            if (v > half) { v -= 1 << c; carry = 1; } else { carry = 0; }
            digits[j * windows + w] = (short)v;
        }
    }
    decaf_255_point_copy(out, decaf_255_point_identity);
    for (w = windows - 1; w >= 0; --w) {
        for (k = 0; k < c; ++k) decaf_255_point_double(out, out);
        memset(used, 0, half + 1);
        for (j = 0; j < n; ++j) {
            int d = digits[j * windows + w];
            int sign = (d < 0) ^ negative[j];
            if (d == 0) continue;
            if (d < 0) d = -d;
            if (!used[d]) {
                if (sign) decaf_255_point_negate(&buckets[d], points[j]);
                else decaf_255_point_copy(&buckets[d], points[j]);
                used[d] = 1;
            } else if (sign) {
                decaf_255_point_sub(&buckets[d], &buckets[d], points[j]);
            } else {
                decaf_255_point_add(&buckets[d], &buckets[d], points[j]);
            }
        }
        decaf_255_point_copy(&running, decaf_255_point_identity);
        decaf_255_point_copy(&total, decaf_255_point_identity);
        for (k = half; k >= 1; --k) {
            if (used[k]) decaf_255_point_add(&running, &running, &buckets[k]);
            decaf_255_point_add(&total, &total, &running);
        }
        decaf_255_point_add(out, out, &total);
    }
    free(digits); free(negative); free(buckets); free(used);
    return 1;
}

int referendum_msm_vartime(decaf_255_point_s *out, const decaf_255_point_s *const *points,
                           const decaf_255_scalar_s *const *scalars, size_t n) {
    int c = 4;
    size_t m = n;
    if (n < 64) return referendum_straus(out, points, scalars, n);
    while (m >>= 1) ++c;
    c -= 6; /* about log2(n) - 2 */
    if (c < 5) c = 5;
    if (c > 14) c = 14;
    return referendum_pippenger(out, points, scalars, n, c);
}

/* sum over terms k of w[weight_index[k]] * scalars[k] * points[point_index[k]], where w[i] is
   the 16-byte little-endian integer at weights + 16 i */
int referendum_weighted_msm_vartime(decaf_255_point_s *out,
                                    const decaf_255_point_s *const *points, size_t n_points,
                                    const unsigned char *weights,
                                    const decaf_255_scalar_s *const *scalars,
                                    const size_t *point_index, const size_t *weight_index,
                                    size_t n_terms) {
    size_t k;
    int ok;
    decaf_255_scalar_t product, weight;
    unsigned char wide[32] = {0};
    decaf_255_scalar_s *sums = malloc(n_points * sizeof(decaf_255_scalar_s) + 1);
    const decaf_255_scalar_s **sum_pointers = malloc(n_points * sizeof(void *) + 1);
    if (!sums || !sum_pointers) { free(sums); free(sum_pointers); return 0; }
    for (k = 0; k < n_points; ++k) {
        decaf_255_scalar_copy(&sums[k], decaf_255_scalar_zero);
        sum_pointers[k] = &sums[k];
    }
    for (k = 0; k < n_terms; ++k) {
        if (point_index[k] >= n_points) { free(sums); free(sum_pointers); return 0; }
        memcpy(wide, weights + 16 * weight_index[k], 16);
        decaf_255_scalar_decode_long(weight, wide, 32);
        decaf_255_scalar_mul(product, weight, scalars[k]);
        decaf_255_scalar_add(&sums[point_index[k]], &sums[point_index[k]], product);
    }
    ok = referendum_msm_vartime(out, points, sum_pointers, n_points);
    free(sums);
    free(sum_pointers);
    return ok;
}
