//! A line-based diff for the knowledge base's version pages: the longest common subsequence of
//! lines (after the common head and tail are set aside), long unchanged runs folded to a little
//! context. Above `MAX_CELLS` table cells the changed middle is shown as removed then inserted
//! instead of aligned, so a huge article cannot take the server's memory.

/// Table cells (old lines × new lines of the changed middle) the LCS may use: 16 MB of `u32`.
const MAX_CELLS: usize = 4_000_000;
/// Unchanged lines kept on each side of a change.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    Removed,
    Inserted,
}

/// One line of the diff, or a fold of unchanged lines (`folded` > 0, no text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub change: Change,
    /// Line number in the old text (removed and unchanged lines).
    pub old_no: Option<usize>,
    /// Line number in the new text (inserted and unchanged lines).
    pub new_no: Option<usize>,
    pub text: String,
    pub folded: usize,
}

impl DiffLine {
    /// The CSS class of the row.
    pub fn class(&self) -> &'static str {
        match (self.change, self.folded) {
            (_, n) if n > 0 => "fold",
            (Change::Same, _) => "same",
            (Change::Removed, _) => "removed",
            (Change::Inserted, _) => "inserted",
        }
    }
    pub fn sign(&self) -> &'static str {
        match self.change {
            Change::Same => " ",
            Change::Removed => "−",
            Change::Inserted => "+",
        }
    }
}

/// The edit script from `old` to `new`, as (change, old index, new index) per line.
fn script(old: &[&str], new: &[&str]) -> Vec<(Change, Option<usize>, Option<usize>)> {
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (a, b) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);
    let mut out: Vec<_> = (0..head).map(|i| (Change::Same, Some(i), Some(i))).collect();
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > MAX_CELLS {
        out.extend((0..n).map(|i| (Change::Removed, Some(head + i), None)));
        out.extend((0..m).map(|j| (Change::Inserted, None, Some(head + j))));
    } else {
        // lcs[i * (m + 1) + j]: the LCS length of a[i..] and b[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if a[i] == b[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && a[i] == b[j] {
                out.push((Change::Same, Some(head + i), Some(head + j)));
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[i * (m + 1) + j + 1] > lcs[(i + 1) * (m + 1) + j]) {
                out.push((Change::Inserted, None, Some(head + j)));
                j += 1;
            } else {
                out.push((Change::Removed, Some(head + i), None));
                i += 1;
            }
        }
    }
    let (old_tail, new_tail) = (old.len() - tail, new.len() - tail);
    out.extend((0..tail).map(|k| (Change::Same, Some(old_tail + k), Some(new_tail + k))));
    out
}

/// The diff of two texts line by line, unchanged runs longer than the context folded.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let steps = script(&old, &new);
    let changed: Vec<usize> = steps.iter().enumerate().filter(|(_, s)| s.0 != Change::Same).map(|(i, _)| i).collect();
    let near_change = |i: usize| changed.iter().any(|c| c.abs_diff(i) <= CONTEXT);
    let mut out = Vec::new();
    let mut folded = 0;
    for (i, (change, o, n)) in steps.into_iter().enumerate() {
        if change == Change::Same && !near_change(i) {
            folded += 1;
            continue;
        }
        if folded > 0 {
            out.push(DiffLine { change: Change::Same, old_no: None, new_no: None, text: String::new(), folded });
            folded = 0;
        }
        let text = match (o, n) {
            (_, Some(n)) => new[n],
            (Some(o), None) => old[o],
            (None, None) => "",
        };
        out.push(DiffLine { change, old_no: o.map(|o| o + 1), new_no: n.map(|n| n + 1), text: text.into(), folded: 0 });
    }
    if folded > 0 {
        out.push(DiffLine { change: Change::Same, old_no: None, new_no: None, text: String::new(), folded });
    }
    out
}

/// (inserted, removed) line counts of a diff.
pub fn counts(lines: &[DiffLine]) -> (usize, usize) {
    let of = |c: Change| lines.iter().filter(|l| l.change == c && l.folded == 0).count();
    (of(Change::Inserted), of(Change::Removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(lines: &[DiffLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| if l.folded > 0 { format!("~{}", l.folded) } else { format!("{}{}", l.sign(), l.text) })
            .collect()
    }

    #[test]
    fn inserted_and_removed_lines_are_aligned() {
        let lines = diff_lines("a\nb\nc\nd", "a\nc\nd\ne");
        assert_eq!(render(&lines), vec![" a", "−b", " c", " d", "+e"]);
        assert_eq!(counts(&lines), (1, 1));
        assert_eq!((lines[1].old_no, lines[1].new_no), (Some(2), None));
        assert_eq!((lines[4].old_no, lines[4].new_no), (None, Some(4)));
        assert_eq!(render(&diff_lines("a\nx\nc", "a\ny\nc")), vec![" a", "−x", "+y", " c"], "removed first");
        assert_eq!(render(&diff_lines("same", "same")), vec!["~1"]);
        assert_eq!(render(&diff_lines("", "x")), vec!["+x"]);
        assert_eq!(render(&diff_lines("x\ny", "")), vec!["−x", "−y"]);
    }

    #[test]
    fn long_unchanged_runs_are_folded() {
        let old: Vec<String> = (1..=20).map(|i| format!("line {i}")).collect();
        let mut new = old.clone();
        new[9] = "changed".into();
        let lines = diff_lines(&old.join("\n"), &new.join("\n"));
        let shown = render(&lines);
        assert_eq!(shown.first().map(String::as_str), Some("~6"));
        assert!(shown.contains(&"−line 10".to_string()) && shown.contains(&"+changed".to_string()));
        assert_eq!(shown.last().map(String::as_str), Some("~7"));
        assert_eq!(lines.iter().find(|l| l.text == "line 7").and_then(|l| l.new_no), Some(7));
    }

    #[test]
    fn huge_changes_are_not_aligned_but_still_complete() {
        let old: Vec<String> = (0..3000).map(|i| format!("o{i}")).collect();
        let new: Vec<String> = (0..3000).map(|i| format!("n{i}")).collect();
        let lines = diff_lines(&old.join("\n"), &new.join("\n"));
        assert_eq!(counts(&lines), (3000, 3000));
    }
}
