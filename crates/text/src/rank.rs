//! BM25 ranking of full-text candidates, computed in the application so that every database
//! backend ranks the same documents the same way (SQLite's `bm25()` and PostgreSQL's
//! `ts_rank_cd` are different formulas). The database finds the candidates through its own index;
//! this scores them from their stored tokens.

/// Okapi BM25 parameters.
pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;

/// A candidate document: its id and its space-joined tokens as stored in the index.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub id: i64,
    pub tokens: &'a str,
}

/// Collection figures the scores need: how many documents there are and their average length.
#[derive(Debug, Clone, Copy)]
pub struct Collection {
    pub documents: i64,
    pub average_length: f64,
}

/// Scores candidates against the query tokens and returns (id, score), best first; ties are
/// broken by the larger (newer) id, so the order is total and the same everywhere.
/// Document frequencies are counted over the candidates, which are every document that has at
/// least one query token — exactly the documents a token's frequency counts.
pub fn bm25(query: &[String], candidates: &[Candidate<'_>], collection: Collection) -> Vec<(i64, f64)> {
    let n = collection.documents.max(candidates.len() as i64).max(1) as f64;
    let average = if collection.average_length > 0.0 { collection.average_length } else { 1.0 };
    // Per candidate, how often each query token occurs (by position in `query`) and its length: a
    // scan comparing each token with the few query tokens, cheaper than counting every token.
    let parsed: Vec<(i64, Vec<u32>, usize)> = candidates
        .iter()
        .map(|c| {
            let mut counts = vec![0u32; query.len()];
            let mut length = 0;
            for token in c.tokens.split(' ').filter(|t| !t.is_empty()) {
                for (count, q) in counts.iter_mut().zip(query) {
                    if token == q {
                        *count += 1;
                    }
                }
                length += 1;
            }
            (c.id, counts, length)
        })
        .collect();
    let idf: Vec<f64> = (0..query.len())
        .map(|i| {
            let df = parsed.iter().filter(|(_, counts, _)| counts[i] > 0).count() as f64;
            ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
        })
        .collect();
    let mut scored: Vec<(i64, f64)> = parsed
        .iter()
        .map(|(id, counts, length)| {
            let norm = K1 * (1.0 - B + B * (*length as f64) / average);
            let score: f64 = counts
                .iter()
                .zip(&idf)
                .map(|(count, idf)| {
                    let tf = f64::from(*count);
                    if tf == 0.0 { 0.0 } else { idf * tf * (K1 + 1.0) / (tf + norm) }
                })
                .sum();
            // Rounded so that summation order can never reorder equal documents.
            (*id, (score * 1e9).round() / 1e9)
        })
        .filter(|(_, score)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarer_and_more_frequent_terms_rank_higher() {
        let q = vec!["退款".to_string(), "政策".to_string()];
        let docs = [
            Candidate { id: 1, tokens: "退款 政策 退款 申请" },
            Candidate { id: 2, tokens: "退款 物流 快递 时间 很多 其他 词" },
            Candidate { id: 3, tokens: "会员 积分" },
        ];
        let ranked = bm25(&q, &docs, Collection { documents: 10, average_length: 4.0 });
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2]);
        assert!(ranked[0].1 > ranked[1].1);
    }

    #[test]
    fn ties_break_by_newer_id() {
        let q = vec!["a".to_string()];
        let docs = [Candidate { id: 5, tokens: "a b" }, Candidate { id: 9, tokens: "a b" }];
        let ranked = bm25(&q, &docs, Collection { documents: 2, average_length: 2.0 });
        assert_eq!(ranked[0].0, 9);
    }
}
