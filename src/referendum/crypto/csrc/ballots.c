/* Checking many ballots of one ballot style at once (public data only).

   The caller (referendum/crypto/ballot_batch.py) has checked each ballot's JSON form and
   passes, per ballot, its 32-byte encodings in a fixed order (the layout below), the SHA-512
   digest of its signature's Fiat-Shamir input, and 16-byte weights, one per verification
   equation.  This function decodes every point and scalar (canonical encodings only),
   recomputes every proof's Fiat-Shamir challenge exactly as docs/spec/crypto.md defines it,
   checks that each proof's challenges add up to it, and checks all the signature and proof
   equations together as one weighted sum: the terms on the generator and on the election key
   folded into one precomputed-table multiplication each (key_table: the key's table, which
   must be the table of public_key), the rest in one multi-scalar multiplication.

   Layout of one ballot's items (P: point, S: scalar):
     credential P, signature commitment P, signature response S,
     per question q, per option o: alpha P, beta P, a_0 P, b_0 P, a_1 P, b_1 P,
                                   c_0 S, c_1 S, z_0 S, z_1 S,
     per question q, after its options, the count proof over lo..hi (B = hi - lo + 1):
                                   a_lo P, b_lo P, ..., a_hi P, b_hi P, c_lo..c_hi S, z_lo..z_hi S.
   Equations per ballot, in this order (one weight each): the signature; per selection proof,
   for j = 0, 1, the "a" then the "b" equation; per count proof, for each branch, "a" then "b".

   Returns 1 when everything holds, 0 when anything does not (the caller then checks the
   ballots one by one to name the problem), -1 when memory runs out.  On 1, and when sums is
   not NULL, adds every ballot's ciphertexts to sums (alpha then beta per option, questions in
   order). */

static void referendum_u64(unsigned char out[8], uint64_t value) {
    int i;
    for (i = 7; i >= 0; --i) { out[i] = (unsigned char)(value & 0xff); value >>= 8; }
}

/* one field of encode_fields: 8-byte big-endian length, then the bytes */
static void referendum_field(decaf_sha512_ctx_s *h, const unsigned char *data, size_t len) {
    unsigned char n[8];
    referendum_u64(n, len);
    decaf_sha512_update(h, n, 8);
    decaf_sha512_update(h, data, len);
}

static void referendum_hash_scalar(decaf_255_scalar_s *out, decaf_sha512_ctx_s *h) {
    unsigned char digest[64];
    decaf_sha512_final(h, digest, 64);
    decaf_255_scalar_decode_long(out, digest, 64);
}

/* coef += w * s  (or -= when negative) */
static void referendum_acc(decaf_255_scalar_s *coef, const decaf_255_scalar_s *w,
                           const decaf_255_scalar_s *s, int negative) {
    decaf_255_scalar_t product;
    decaf_255_scalar_mul(product, w, s);
    if (negative) decaf_255_scalar_sub(coef, coef, product);
    else decaf_255_scalar_add(coef, coef, product);
}

static void referendum_acc_weight(decaf_255_scalar_s *coef, const decaf_255_scalar_s *w) {
    decaf_255_scalar_sub(coef, coef, w);
}

/* The challenge hash of one range proof: domain, fingerprint, K, alpha, beta, lo, hi,
   then a_j, b_j per branch, then the context. */
static void referendum_range_challenge(
    decaf_255_scalar_s *out, const unsigned char *domain, size_t domain_len,
    const unsigned char *fingerprint, size_t fingerprint_len, const unsigned char key[32],
    const unsigned char alpha[32], const unsigned char beta[32], uint64_t lo, uint64_t hi,
    const unsigned char *const *commitments, size_t branches, const unsigned char *context,
    size_t context_len) {
    decaf_sha512_ctx_t h;
    unsigned char n[8];
    size_t j;
    decaf_sha512_init(h);
    referendum_field(h, domain, domain_len);
    referendum_field(h, fingerprint, fingerprint_len);
    referendum_field(h, key, 32);
    referendum_field(h, alpha, 32);
    referendum_field(h, beta, 32);
    referendum_u64(n, lo);
    referendum_field(h, n, 8);
    referendum_u64(n, hi);
    referendum_field(h, n, 8);
    for (j = 0; j < 2 * branches; ++j) referendum_field(h, commitments[j], 32);
    referendum_field(h, context, context_len);
    referendum_hash_scalar(out, h);
}

int referendum_check_ballots(
    const unsigned char *items, size_t n, const unsigned char *digests,
    const unsigned char *weights, size_t n_weights, const unsigned char *fingerprint,
    size_t fingerprint_len,
    const unsigned char public_key[32], const unsigned char *selection_domain,
    size_t selection_domain_len, const unsigned char *count_domain, size_t count_domain_len,
    const uint32_t *shape, size_t questions, const decaf_255_precomputed_s *key_table,
    decaf_255_point_s *sums) {
    size_t per_items = 3, per_points = 2, per_equations = 1, max_branches = 2;
    size_t q, o, i, j, k, t, branches, weight = 0, points_total;
    int ok = 1, result = -1;
    decaf_255_point_s *points = NULL;
    decaf_255_scalar_s *coefs = NULL;
    const decaf_255_point_s **point_ptrs = NULL;
    const decaf_255_scalar_s **coef_ptrs = NULL;
    decaf_255_point_s combined, fixed, alpha_total, beta_total;
    decaf_255_scalar_t w, s, c, z, challenge, sum, small;
    unsigned char context[8 + 32 + 8 + 8 + 8 + 8], alpha_enc[32], beta_enc[32], wide[16];
    const unsigned char **commitments = NULL;

    for (q = 0; q < questions; ++q) {
        size_t options = shape[3 * q], lo = shape[3 * q + 1], hi = shape[3 * q + 2];
        if (hi < lo || hi - lo >= 65536 || options == 0) return 0;
        branches = hi - lo + 1;
        per_items += 10 * options + 4 * branches;
        per_points += 6 * options + 2 * branches;
        per_equations += 4 * options + 2 * branches;
        if (branches > max_branches) max_branches = branches;
    }
    if (n_weights != n * per_equations) return 0;
    points_total = 2 + n * per_points;
    points = malloc(points_total * sizeof(decaf_255_point_s) + 1);
    coefs = malloc(points_total * sizeof(decaf_255_scalar_s) + 1);
    point_ptrs = malloc(points_total * sizeof(void *) + 1);
    coef_ptrs = malloc(points_total * sizeof(void *) + 1);
    commitments = malloc(2 * max_branches * sizeof(void *));
    if (!points || !coefs || !point_ptrs || !coef_ptrs || !commitments) goto done;
    for (k = 0; k < points_total; ++k) {
        decaf_255_scalar_copy(&coefs[k], decaf_255_scalar_zero);
        point_ptrs[k] = &points[k];
        coef_ptrs[k] = &coefs[k];
    }
    decaf_255_point_copy(&points[0], decaf_255_point_base);
    if (decaf_255_point_decode(&points[1], public_key, 1) != DECAF_SUCCESS) { result = 0; goto done; }

#define ITEM(index) (ballot + 32 * (index))
#define NEXT_WEIGHT() \
    (memcpy(wide, weights + 16 * weight++, 16), decaf_255_scalar_decode_long(w, wide, 16))
#define DECODE_POINT(slot, index) \
    if (decaf_255_point_decode(&pts[slot], ITEM(index), 1) != DECAF_SUCCESS) { ok = 0; break; }
#define DECODE_SCALAR(out, index) \
    if (decaf_255_scalar_decode(out, ITEM(index)) != DECAF_SUCCESS) { ok = 0; break; }

    for (i = 0; i < n && ok; ++i) {
        const unsigned char *ballot = items + 32 * per_items * i;
        decaf_255_point_s *pts = &points[2 + per_points * i];
        decaf_255_scalar_s *cfs = &coefs[2 + per_points * i];
        size_t item = 3, slot = 2;
        do {
            /* signature: z·G - R - e·credential = 0 */
            DECODE_POINT(0, 0);
            DECODE_POINT(1, 1);
            DECODE_SCALAR(z, 2);
            decaf_255_scalar_decode_long(c, digests + 64 * i, 64);
            NEXT_WEIGHT();
            referendum_acc(&coefs[0], w, z, 0);
            referendum_acc_weight(&cfs[1], w);
            referendum_acc(&cfs[0], w, c, 1);
        } while (0);
        if (!ok) break;
        /* binding = the credential's encoding (item 0) */
        referendum_u64(context, 32);
        memcpy(context + 8, ITEM(0), 32);
        for (q = 0; q < questions && ok; ++q) {
            size_t options = shape[3 * q], lo = shape[3 * q + 1], hi = shape[3 * q + 2];
            size_t first_slot = slot;
            referendum_u64(context + 40, 8);
            referendum_u64(context + 48, q);
            decaf_255_point_copy(&alpha_total, decaf_255_point_identity);
            decaf_255_point_copy(&beta_total, decaf_255_point_identity);
            for (o = 0; o < options && ok; ++o, item += 10, slot += 6) {
                for (t = 0; t < 6; ++t) {
                    DECODE_POINT(slot + t, item + t);
                }
                if (!ok) break;
                for (t = 0; t < 4; ++t) commitments[t] = ITEM(item + 2 + t);
                decaf_255_point_add(&alpha_total, &alpha_total, &pts[slot]);
                decaf_255_point_add(&beta_total, &beta_total, &pts[slot + 1]);
                referendum_u64(context + 56, 8);
                referendum_u64(context + 64, o);
                referendum_range_challenge(challenge, selection_domain, selection_domain_len,
                                           fingerprint, fingerprint_len, public_key, ITEM(item),
                                           ITEM(item + 1), 0, 1, commitments, 2, context, 72);
                decaf_255_scalar_copy(sum, decaf_255_scalar_zero);
                for (j = 0; j < 2; ++j) {
                    DECODE_SCALAR(c, item + 6 + j);
                    DECODE_SCALAR(z, item + 8 + j);
                    decaf_255_scalar_add(sum, sum, c);
                    /* a: z·G - a_j - c·alpha = 0 */
                    NEXT_WEIGHT();
                    referendum_acc(&coefs[0], w, z, 0);
                    referendum_acc_weight(&cfs[slot + 2 + 2 * j], w);
                    referendum_acc(&cfs[slot], w, c, 1);
                    /* b: z·K - b_j - c·beta + j·c·G = 0 */
                    NEXT_WEIGHT();
                    referendum_acc(&coefs[1], w, z, 0);
                    referendum_acc_weight(&cfs[slot + 3 + 2 * j], w);
                    referendum_acc(&cfs[slot + 1], w, c, 1);
                    if (j) referendum_acc(&coefs[0], w, c, 0);
                }
                if (!ok) break;
                if (!decaf_255_scalar_eq(sum, challenge)) ok = 0;
            }
            if (!ok) break;
            /* the count proof, over the question's total */
            branches = hi - lo + 1;
            for (t = 0; t < 2 * branches; ++t) {
                DECODE_POINT(slot + t, item + t);
                commitments[t] = ITEM(item + t);
            }
            if (!ok) break;
            decaf_255_point_encode(alpha_enc, &alpha_total);
            decaf_255_point_encode(beta_enc, &beta_total);
            referendum_range_challenge(challenge, count_domain, count_domain_len, fingerprint,
                                       fingerprint_len, public_key, alpha_enc, beta_enc, lo, hi,
                                       commitments, branches, context, 56);
            decaf_255_scalar_copy(sum, decaf_255_scalar_zero);
            for (t = 0; t < branches; ++t) {
                DECODE_SCALAR(c, item + 2 * branches + t);
                DECODE_SCALAR(z, item + 3 * branches + t);
                decaf_255_scalar_add(sum, sum, c);
                NEXT_WEIGHT();
                referendum_acc(&coefs[0], w, z, 0);
                referendum_acc_weight(&cfs[slot + 2 * t], w);
                for (o = 0; o < options; ++o) referendum_acc(&cfs[first_slot + 6 * o], w, c, 1);
                NEXT_WEIGHT();
                referendum_acc(&coefs[1], w, z, 0);
                referendum_acc_weight(&cfs[slot + 2 * t + 1], w);
                for (o = 0; o < options; ++o) referendum_acc(&cfs[first_slot + 6 * o + 1], w, c, 1);
                if (lo + t) {
                    decaf_255_scalar_set_unsigned(small, (uint64_t)(lo + t));
                    decaf_255_scalar_mul(s, c, small);
                    referendum_acc(&coefs[0], w, s, 0);
                }
            }
            if (!ok) break;
            if (!decaf_255_scalar_eq(sum, challenge)) ok = 0;
            item += 4 * branches;
            slot += 2 * branches;
        }
    }
#undef ITEM
#undef NEXT_WEIGHT
#undef DECODE_POINT
#undef DECODE_SCALAR
    if (!ok) { result = 0; goto done; }
    /* the terms on the two fixed bases, folded into one scalar each, use precomputed tables
       (libdecaf's for the generator, the caller's for the election key); the rest is one
       multi-scalar multiplication */
    if (!referendum_msm_vartime(&combined, point_ptrs + 2, coef_ptrs + 2, points_total - 2))
        goto done;
    decaf_255_precomputed_scalarmul(&fixed, decaf_255_precomputed_base, &coefs[0]);
    decaf_255_point_add(&combined, &combined, &fixed);
    decaf_255_precomputed_scalarmul(&fixed, key_table, &coefs[1]);
    decaf_255_point_add(&combined, &combined, &fixed);
    if (!decaf_255_point_eq(&combined, decaf_255_point_identity)) {
        result = 0;
        goto done;
    }
    if (sums) {
        for (i = 0; i < n; ++i) {
            const decaf_255_point_s *pts = &points[2 + per_points * i];
            size_t slot = 2, index = 0;
            for (q = 0; q < questions; ++q) {
                size_t options = shape[3 * q], lo = shape[3 * q + 1], hi = shape[3 * q + 2];
                for (o = 0; o < options; ++o, slot += 6, ++index) {
                    decaf_255_point_add(&sums[2 * index], &sums[2 * index], &pts[slot]);
                    decaf_255_point_add(&sums[2 * index + 1], &sums[2 * index + 1], &pts[slot + 1]);
                }
                slot += 2 * (hi - lo + 1);
            }
        }
    }
    result = 1;
done:
    free(points);
    free(coefs);
    free(point_ptrs);
    free(coef_ptrs);
    free(commitments);
    return result;
}
