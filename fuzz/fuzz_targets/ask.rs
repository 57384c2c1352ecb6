//! Arbitrary UTF-8 through the whole ask path (safety check, match, reply, text render)
//! on the bundled FAQ: no panic, the disclaimer always there, scores in range.
#![no_main]

mod bundled;

use bundled::knowledge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let k = knowledge();
    let answered = k.ask(text);
    let disclaimer = answered.reply.disclaimer();
    assert!(
        !disclaimer.trim().is_empty(),
        "reply without disclaimer for {text:?}"
    );
    assert_eq!(disclaimer, k.faq.disclaimer.as_str());
    let rendered = answered.reply.render_text();
    assert!(
        rendered.contains(disclaimer),
        "rendered reply lacks the disclaimer for {text:?}"
    );
    if answered.alert.is_some() {
        assert!(answered
            .reply
            .notice()
            .is_some_and(|n| !n.trim().is_empty()));
    }
    for m in &answered.outcome.candidates {
        assert!(
            (0.0..=1.0).contains(&m.score),
            "score {} for {text:?}",
            m.score
        );
    }
    let _ = k.index.complete(text, 25);
});
