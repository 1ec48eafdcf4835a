//! `--env-file`: the functions' configuration as `NAME=value` lines, read instead of the
//! environment by the same code (`Config::from_lookup`), so that its errors name the variable.

use std::collections::HashMap;

/// The variables of an env file: `NAME=value` a line; blank lines and `#` comments skipped; an
/// `export ` prefix and one pair of matching quotes around the value allowed (as shells and
/// `docker --env-file` write them). A line that is none of these is an error naming it.
pub fn parse(text: &str) -> Result<HashMap<String, String>, String> {
    let mut vars = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            return Err(format!("line {}: {line:?} is not NAME=value", n + 1));
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(format!("line {}: {name:?} is not a variable name", n + 1));
        }
        let value = value.trim();
        let value = [b'"', b'\'']
            .into_iter()
            .find_map(|q| {
                let q = q as char;
                (value.len() >= 2 && value.starts_with(q) && value.ends_with(q))
                    .then(|| &value[1..value.len() - 1])
            })
            .unwrap_or(value);
        vars.insert(name.to_string(), value.to_string());
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_comments_exports_and_quotes() {
        let vars = parse(
            "# trailwarden\nALERT_TOPIC_ARN=arn:aws:sns:us-east-1:111122223333:alerts\n\nexport MODE=\"dry-run\"\nALLOWED_PRINCIPALS='arn:aws:iam::111122223333:role/Deployer,arn:aws:iam::111122223333:role/BreakGlass'\nEMPTY=\n",
        )
        .unwrap();
        assert_eq!(vars.len(), 4);
        assert_eq!(vars["MODE"], "dry-run");
        assert_eq!(
            vars["ALLOWED_PRINCIPALS"],
            "arn:aws:iam::111122223333:role/Deployer,arn:aws:iam::111122223333:role/BreakGlass"
        );
        assert_eq!(vars["EMPTY"], "");
    }

    #[test]
    fn a_line_that_is_not_a_variable_names_its_number() {
        assert_eq!(
            parse("MODE=enforce\nnonsense\n").unwrap_err(),
            "line 2: \"nonsense\" is not NAME=value"
        );
        assert!(parse("BAD NAME=1").unwrap_err().starts_with("line 1:"));
    }
}
