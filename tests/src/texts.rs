//! Everything an error shows a person or a log: for tests that no secret leaks through any of it.

/// Display, Debug (plain and pretty) of `err` and of everything in its source chain.
pub fn error_texts(err: &redis_script::Error) -> Vec<String> {
    let mut texts = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        texts.extend([e.to_string(), format!("{e:?}"), format!("{e:#?}")]);
        source = e.source();
    }
    texts
}

/// Panics if any of [`error_texts`] of `err` contains one of `secrets`.
pub fn assert_no_secrets(err: &redis_script::Error, secrets: &[&str]) {
    for text in error_texts(err) {
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "error text contains the secret {secret:?}: {text}"
            );
        }
    }
}
