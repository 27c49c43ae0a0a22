/* Constant-time multi-scalar multiplication, for secret scalars (the shuffle prover's sums
   weighted by its nonces).  Each scalar is recoded into 64 signed radix-16 digits in -8..8
   (arithmetic only); each point gets a table of 1P..8P; for each digit, from the top, the sum
   is doubled four times and each point's multiple is read by a scan of its whole table with
   libdecaf's constant-time selection, then negated or not by another selection.  So the
   operations and the memory read do not depend on the scalars' values.  Per point this is
   about 71 additions and 576 selections, against about 126 doublings and 51 additions for a
   point of decaf_255_point_double_scalarmul. */
#define REFERENDUM_SECRET_TABLE 8

static void referendum_secret_digits(signed char e[64], const unsigned char bytes[32]) {
    int i;
    signed char carry = 0;
    for (i = 0; i < 32; ++i) {
        e[2 * i] = (signed char)(bytes[i] & 15);
        e[2 * i + 1] = (signed char)((bytes[i] >> 4) & 15);
    }
    for (i = 0; i < 63; ++i) {
        e[i] = (signed char)(e[i] + carry);
        carry = (signed char)((e[i] + 8) >> 4);
        e[i] = (signed char)(e[i] - (carry << 4));
    }
    e[63] = (signed char)(e[63] + carry); /* scalars are below 2^253: e[63] <= 2 */
}

static void referendum_secret_pick(decaf_255_point_s *out, const decaf_255_point_s *table,
                                   signed char digit) {
    int d = digit, t;
    int mask = d >> 31; /* all ones when negative */
    unsigned int magnitude = (unsigned int)((d ^ mask) - mask);
    decaf_255_point_s negated;
    decaf_255_point_copy(out, decaf_255_point_identity);
    for (t = 1; t <= REFERENDUM_SECRET_TABLE; ++t) {
        decaf_word_t equal = ((decaf_word_t)(magnitude ^ (unsigned int)t) - 1) >> 63;
        decaf_255_point_cond_sel(out, out, &table[t - 1], equal);
    }
    decaf_255_point_negate(&negated, out);
    decaf_255_point_cond_sel(out, out, &negated, (decaf_word_t)(mask & 1));
    decaf_bzero(&negated, sizeof(negated));
}

int referendum_msm_secret(decaf_255_point_s *out, const decaf_255_point_s *const *points,
                          const decaf_255_scalar_s *const *scalars, size_t n) {
    size_t j, table_bytes = n * REFERENDUM_SECRET_TABLE * sizeof(decaf_255_point_s);
    int i, t;
    unsigned char bytes[32];
    signed char *digits = malloc(n * 64 + 1);
    decaf_255_point_s *table = malloc(table_bytes + 1);
    decaf_255_point_s pick;
    if (!digits || !table) { free(digits); free(table); return 0; }
    for (j = 0; j < n; ++j) {
        decaf_255_point_s *own = &table[j * REFERENDUM_SECRET_TABLE];
        decaf_255_scalar_encode(bytes, scalars[j]);
        referendum_secret_digits(digits + j * 64, bytes);
        decaf_255_point_copy(&own[0], points[j]);
        decaf_255_point_double(&own[1], points[j]);
        for (t = 2; t < REFERENDUM_SECRET_TABLE; ++t)
            decaf_255_point_add(&own[t], &own[t - 1], points[j]);
    }
    decaf_bzero(bytes, sizeof(bytes));
    decaf_255_point_copy(out, decaf_255_point_identity);
    for (i = 63; i >= 0; --i) {
        if (i != 63)
            for (t = 0; t < 4; ++t) decaf_255_point_double(out, out);
        for (j = 0; j < n; ++j) {
            referendum_secret_pick(&pick, &table[j * REFERENDUM_SECRET_TABLE], digits[j * 64 + i]);
            decaf_255_point_add(out, out, &pick);
        }
    }
    decaf_bzero(&pick, sizeof(pick));
    decaf_bzero(digits, n * 64);
    decaf_bzero(table, table_bytes);
    free(digits);
    free(table);
    return 1;
}
