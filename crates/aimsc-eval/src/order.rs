//! The order ids are listed in, everywhere: by their numbers, not their characters.

/// Orders ids so that `A.5.10` follows `A.5.9` and `Art.10` follows `Art.9`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut text = String::new();
        let mut num: Option<u64> = None;
        for ch in s.chars() {
            if let Some(d) = ch.to_digit(10) {
                num = Some(
                    num.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(u64::from(d)),
                );
            } else {
                if let Some(n) = num.take() {
                    out.push((std::mem::take(&mut text), n));
                }
                text.push(ch);
            }
        }
        out.push((text, num.unwrap_or(0)));
        out
    }
    parts(a).cmp(&parts(b))
}
