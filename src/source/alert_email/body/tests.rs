use super::*;

/// The customer's words, as every forward below carries them.
const COMPLAINT_PT: &str = "Boa noite. O sofá Tessela que comprei em outubro\n\
começou a soltar fumaça perto da tomada e quase pegou fogo.\n\
Vou registrar no Procon e entrar com um processo.\n";

fn assert_reads(text: &str, subject: &str, expected: &str) {
    let read = readable(text, subject);
    assert_eq!(read, expected, "from:\n{text}");
}

const EXPECTED_PT: &str = "Pessoal, segue a reclamação que chegou pelo SAC.\n\n\
Boa noite. O sofá Tessela que comprei em outubro começou a soltar fumaça perto da tomada e quase pegou fogo. \
Vou registrar no Procon e entrar com um processo.";

#[test]
fn gmail_forwards_in_both_languages() {
    for marker in [
        "---------- Forwarded message ---------",
        "---------- Mensagem encaminhada ---------",
    ] {
        let text = format!(
            "Pessoal, segue a reclamação que chegou pelo SAC.\n\n{marker}\n\
             De: Márcia Souza <marcia@cliente.example>\n\
             Date: sex., 20 de nov. de 2026 às 19:45\n\
             Subject: Sofá pegando fogo\n\
             To: <sac@tessela.example>\n\n{COMPLAINT_PT}"
        );
        assert_reads(&text, "Fwd: Sofá pegando fogo", EXPECTED_PT);
    }
}

#[test]
fn outlook_forwards_under_a_rule_and_with_original_message() {
    let desktop = format!(
        "Pessoal, segue a reclamação que chegou pelo SAC.\n\n\
         ________________________________\n\
         De: Márcia Souza <marcia@cliente.example>\n\
         Enviado: sexta-feira, 20 de novembro de 2026 19:45\n\
         Para: SAC Tessela <sac@tessela.example>;\n    Ouvidoria <ouvidoria@tessela.example>\n\
         Assunto: Sofá pegando fogo\n\n{COMPLAINT_PT}"
    );
    assert_reads(&desktop, "ENC: Sofá pegando fogo", EXPECTED_PT);
    let original = format!(
        "Pessoal, segue a reclamação que chegou pelo SAC.\n\n\
         -----Original Message-----\n\
         From: Márcia Souza <marcia@cliente.example>\n\
         Sent: Friday, November 20, 2026 7:45 PM\n\
         To: sac@tessela.example\n\
         Subject: Sofá pegando fogo\n\n{COMPLAINT_PT}"
    );
    assert_reads(&original, "FW: Sofá pegando fogo", EXPECTED_PT);
}

#[test]
fn apple_mail_and_thunderbird_forwards() {
    let apple = format!(
        "Pessoal, segue a reclamação que chegou pelo SAC.\n\n\
         Início da mensagem reencaminhada:\n\n\
         De: Márcia Souza <marcia@cliente.example>\n\
         Assunto: Sofá pegando fogo\n\
         Data: 20 de novembro de 2026 às 19:45:00 BRT\n\
         Para: sac@tessela.example\n\n{COMPLAINT_PT}\n\
         Enviado do meu iPhone\n"
    );
    assert_reads(&apple, "Fwd: Sofá pegando fogo", EXPECTED_PT);
    let thunderbird = format!(
        "Pessoal, segue a reclamação que chegou pelo SAC.\n\n\
         -------- Forwarded Message --------\n\
         Subject: \tSofá pegando fogo\n\
         Date: \tFri, 20 Nov 2026 19:45:00 -0300\n\
         From: \tMárcia Souza <marcia@cliente.example>\n\
         To: \tsac@tessela.example\n\n{COMPLAINT_PT}\n-- \nMárcia Souza\n(11) 5555-0100\n"
    );
    assert_reads(&thunderbird, "Fwd: Sofá pegando fogo", EXPECTED_PT);
}

#[test]
fn a_reply_keeps_what_was_written_now_and_drops_the_history() {
    let gmail = "Still no refund for the Corvina Pay double charge.\n\
                 This is the third time I write.\n\n\
                 On Fri, Nov 20, 2026 at 7:45 PM Corvina Support <\n\
                 support@corvina.example> wrote:\n\
                 > Dear customer, we are sorry for the double charge.\n\
                 > Corvina Pay will refund you in 5 days.\n";
    assert_reads(
        gmail,
        "Re: Double charge",
        "Still no refund for the Corvina Pay double charge. This is the third time I write.",
    );
    let outlook = "Ainda sem reembolso da cobrança em dobro.\n\n\
                   ________________________________\n\
                   De: Suporte Corvina <suporte@corvina.example>\n\
                   Enviado: sexta-feira, 20 de novembro de 2026 19:45\n\
                   Para: Cliente <c@cliente.example>\n\
                   Assunto: Cobrança em dobro\n\n\
                   Corvina Pay vai estornar em 5 dias.\n";
    assert_reads(
        outlook,
        "RES: Cobrança em dobro",
        "Ainda sem reembolso da cobrança em dobro.",
    );
    let portuguese = "Não resolveram nada.\n\n\
                      Em sex., 20 de nov. de 2026 às 19:45, Suporte Corvina <suporte@corvina.example> escreveu:\n\
                      > Olá! Corvina Pay vai estornar.\n";
    assert_reads(portuguese, "Re: Cobrança", "Não resolveram nada.");
}

#[test]
fn paragraphs_are_unwrapped_and_lists_kept() {
    let text =
        "The Corvina Pay app\ncrashed twice today:\n- at login\n- at checkout\n\nPlease fix it.";
    assert_reads(
        text,
        "App crash",
        "The Corvina Pay app crashed twice today:\n- at login\n- at checkout\n\nPlease fix it.",
    );
}

#[test]
fn a_body_line_that_only_looks_like_a_header_stays() {
    // One "Data:" line alone is prose, not a header block.
    let text = "Data: amanhã às 10h o técnico da Tessela vem.\nObrigada!";
    assert_reads(
        text,
        "Visita técnica",
        "Data: amanhã às 10h o técnico da Tessela vem. Obrigada!",
    );
}

#[test]
fn subjects_lose_their_reply_and_forward_prefixes() {
    assert_eq!(
        bare_subject("Fwd: RE: Sofá pegando fogo"),
        "Sofá pegando fogo"
    );
    assert_eq!(bare_subject("ENC: Reclamação"), "Reclamação");
    assert_eq!(bare_subject("Lumora: nova linha"), "Lumora: nova linha");
}

#[test]
fn a_bare_double_dash_is_a_signature_only_when_a_few_short_lines_follow() {
    let signed = "My Lumora lamp broke.\n--\nRita Alves\n+55 11 5555-0100\n";
    assert_reads(signed, "Lamp", "My Lumora lamp broke.");
    // A dash in the text: what follows is the customer's words.
    let prose: String = std::iter::once("My Lumora lamp broke.\n--\n".to_string())
        .chain((1..=8).map(|n| format!("Day {n}: it still flickers every evening.\n")))
        .collect();
    let read = readable(&prose, "Lamp");
    assert!(read.contains("Day 8: it still flickers"), "{read}");
}
