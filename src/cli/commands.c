/* commands.c - the command table: every command of parley, the function that
 * runs it, what it accepts and needs, and what it does (table.h). Keep the
 * flag lists and their documentation side by side: tests/e2e/help_test.py
 * fails when they disagree. */
#include "cli/commands.h"

#include "cli/cmds.h"

#include <stddef.h>

#define CONN "server", "vkey", "key", "passphrase-file", "witness-key", "quorum"
#define SIGN "seq", "receipt"
#define END NULL

#define V(...) (const char *const[]){__VA_ARGS__, END}
#define NOFLAGS (const char *const[]){END}
#define O(...) (const cli_optdoc[]){__VA_ARGS__, {NULL, NULL, NULL}}
#define NOOPTS (const cli_optdoc[]){{NULL, NULL, NULL}}

#define S_LOG "the log"
#define S_MEMBERS "members and statements"
#define S_WITNESS "witnesses and monitors"
#define S_WORK "consultations (docs/workflow.md)"
#define S_EVIDENCE "evidence (docs/evidence.md)"
#define S_OTHER "other"

static const char TLP_TEXT[] = "TLP 2.0 label: TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN or TLP:CLEAR";

static const cli_cmd CMDS[] = {
	/* ---- the log ---- */
	{.name = "log", .summary = "create, append to, prove from and audit a verifiable log directly",
	 .description = "The log alone, without statements or a server: a directory of C2SP tlog-tiles and signed "
			"checkpoints (docs/log.md).",
	 .section = S_LOG},
	{.name = "log init", .run = cmd_log_init, .summary = "create a log and its signing key",
	 .synopsis = "log init DIR --origin ORIGIN",
	 .description = "Creates DIR holding an empty log named ORIGIN and a fresh Ed25519 key (DIR/private/log.key, "
			"mode 0600), and prints the log's verifier key, also written to DIR/log.vkey.",
	 .vf = V("origin"), .bf = NOFLAGS,
	 .opts = O({"origin", "ORIGIN", "the log's name, like example.org/log (required)"}),
	 .examples = "parley log init /srv/log --origin example.org/log", .section = S_LOG},
	{.name = "log add", .run = cmd_log_add, .summary = "append each line of standard input, in one batch",
	 .synopsis = "log add DIR",
	 .description = "Reads standard input, makes each line (without its newline) one entry, appends them all in "
			"one batch and prints the log's new size. Nothing is published unless the whole batch is.",
	 .vf = NOFLAGS, .bf = NOFLAGS, .opts = NOOPTS,
	 .examples = "seq 1 1000 | parley log add /srv/log", .section = S_LOG},
	{.name = "log prove", .run = cmd_log_prove, .needs = CLI_NEEDS_CONFIG,
	 .summary = "write a tlog-proof file for an entry",
	 .synopsis = "log prove DIR INDEX [--vkey VKEY] [--out FILE]",
	 .description = "Writes a C2SP tlog-proof for entry INDEX (carrying the entry itself) to standard output or "
			"FILE, after checking it against the log's key.",
	 .vf = V("vkey", "out"), .bf = NOFLAGS,
	 .opts = O({"vkey", "VKEY", "the log's verifier key, or a file holding it (default: DIR/log.vkey)"},
		   {"out", "FILE", "write the proof to FILE instead of standard output"}),
	 .examples = "parley log prove /srv/log 42 --out 42.tlog-proof", .section = S_LOG},
	{.name = "log verify-proof", .run = cmd_log_verify_proof, .needs = CLI_NEEDS_CONFIG,
	 .summary = "verify a tlog-proof file offline",
	 .synopsis = "log verify-proof FILE --vkey VKEY [--entry FILE] [--witness-key WKEY]... [--quorum K]",
	 .description = "Checks that the proof's checkpoint is signed by VKEY (and cosigned by K of the witnesses) "
			"and that the entry is included at its index.",
	 .vf = V("vkey", "entry", "witness-key", "quorum"), .bf = NOFLAGS,
	 .opts = O({"vkey", "VKEY", "the log's verifier key, or a file holding it (required; PARLEY_VKEY)"},
		   {"entry", "FILE", "the entry, when the proof does not carry it (or to check it is that one)"}),
	 .docs = DOC_POLICY,
	 .examples = "parley log verify-proof 42.tlog-proof --vkey /srv/log/log.vkey",
	 .exits = "1 when the proof, the signature or the quorum does not check", .section = S_LOG},
	{.name = "log audit", .run = cmd_log_audit, .needs = CLI_NEEDS_CONFIG,
	 .summary = "recompute and check the whole log",
	 .synopsis = "log audit DIR|URL --vkey VKEY [--witness-key WKEY]... [--quorum K]",
	 .description = "Reads every tile and bundle of the log in DIR or at URL and recomputes the tree: the "
			"checkpoint must be signed and every hash must agree. A progress bar is shown when standard "
			"error is a terminal.",
	 .vf = V("vkey", "witness-key", "quorum"), .bf = NOFLAGS,
	 .opts = O({"vkey", "VKEY", "the log's verifier key, or a file holding it (required; PARLEY_VKEY)"}),
	 .docs = DOC_POLICY,
	 .examples = "parley log audit /srv/log --vkey /srv/log/log.vkey\n"
		     "parley log audit https://example.org/log --vkey \"$(cat log.vkey)\"",
	 .exits = "1 when anything in the log does not check", .section = S_LOG},

	/* ---- members and statements ---- */
	{.name = "keygen", .run = cmd_keygen, .needs = CLI_NEEDS_CONFIG,
	 .summary = "make a party's keys: a secret key file and a public identity",
	 .synopsis = "keygen --party NAME --out PREFIX [--passphrase-file FILE]",
	 .description = "Writes PREFIX.key (the secret, mode 0600) and PREFIX.id.json (the public identity to hand "
			"to the others). A passphrase, from --passphrase-file or PARLEY_PASSPHRASE, seals the secret "
			"with Argon2id.",
	 .vf = V("party", "out", "passphrase-file"), .bf = NOFLAGS,
	 .opts = O({"party", "NAME", "the party's name, like cert.example (required)"},
		   {"out", "PREFIX", "where to write PREFIX.key and PREFIX.id.json (required)"},
		   {"passphrase-file", "FILE", "seal the secret key with the passphrase in FILE"}),
	 .examples = "parley keygen --party cert.a --out a", .section = S_MEMBERS},
	{.name = "init", .run = cmd_init, .needs = CLI_NEEDS_CONFIG,
	 .summary = "create a log whose entry 0 is the charter",
	 .synopsis = "init DIR --origin ORIGIN --key FOUNDER.key [--founder OTHER.id.json]... [--name NAME]\n"
		     "init DIR --origin ORIGIN --key FOUNDER.key [--sponsors K] [--ack SECONDS] [--response SECONDS] "
		     "[--norms FILE | --no-norms]",
	 .description = "Creates the log in DIR and appends its charter (entry 0), signed by the founder's key and "
			"listing the other founders, then publishes the 2015 UN GGE norms as entry 1 (or the norm "
			"set in --norms FILE, or none).",
	 .vf = V("origin", "key", "founder", "name", "sponsors", "ack", "response", "passphrase-file", "norms"),
	 .bf = V("no-norms"),
	 .opts = O({"origin", "ORIGIN", "the log's name, like example.org/wg (required)"},
		   {"key", "FILE", "the founder's secret key, which signs the charter (PARLEY_KEY)"},
		   {"passphrase-file", "FILE", "the passphrase of a sealed key (PARLEY_PASSPHRASE_FILE)"},
		   {"founder", "ID.json", "another founding member's identity (repeatable)"},
		   {"name", "NAME", "the working group's name, written in the charter"},
		   {"sponsors", "K", "how many members must sponsor a new one (default 1)"},
		   {"ack", "SECONDS", "default time to acknowledge a request (default 86400)"},
		   {"response", "SECONDS", "default time to answer a request (default 604800)"},
		   {"norms", "FILE", "publish this norm set (JSON, docs/workflow.md) instead of the UN GGE norms"},
		   {"no-norms", NULL, "publish no norm set"}),
	 .examples = "parley init wg --origin example.org/wg --key a.key --founder b.id.json", .section = S_MEMBERS},
	{.name = "serve", .run = cmd_serve, .summary = "run the log server",
	 .synopsis = "serve DIR [--listen HOST:PORT] [--port-file FILE] [--witness VKEY@URL]... [--allow-root]\n"
		     "serve DIR [--skew SECONDS] [--batch-ms MS] [--batch-max N] [--queue-max N] [--rate PER_SECOND] "
		     "[--witness-interval MS] [--trust-log] [--accept-clear]\n"
		     "serve DIR [--blob-max BYTES] [--blob-quota BYTES] [--blob-total BYTES] [--metrics-token FILE]\n"
		     "serve DIR [--integrate-ms MS] [--conn-limit N] [--http-threads N]",
	 .description = "Serves the log in DIR over HTTP (docs/api.md): admits signed statements, publishes them in "
			"batches, asks its witnesses to cosign each checkpoint, stores members' blobs and answers the "
			"read API. Stops on SIGINT or SIGTERM. Refuses to run as root unless --allow-root. A new "
			"statement of a TLP:RED, TLP:AMBER+STRICT or TLP:AMBER thread must be sealed to its readers "
			"(sealing_required) unless --accept-clear.",
	 .vf = V("listen", "skew", "batch-ms", "batch-max", "queue-max", "rate", "blob-max", "blob-quota", "blob-total",
		 "metrics-token", "port-file", "witness", "witness-interval", "integrate-ms", "conn-limit", "http-threads"),
	 .bf = V("trust-log", "allow-root", "accept-clear"),
	 .opts = O({"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:8080; port 0 picks one)"},
		   {"port-file", "FILE", "write the port listened on to FILE"},
		   {"witness", "VKEY@URL", "a witness to ask for cosignatures (repeatable)"},
		   {"witness-interval", "MS", "how often to ask the witnesses again"},
		   {"skew", "SECONDS", "how far a statement's time may be from the server's clock"},
		   {"batch-ms", "MS", "how long to gather statements into one batch"},
		   {"batch-max", "N", "at most N statements per batch"},
		   {"integrate-ms", "MS", "at most one checkpoint per MS (default 100; 0: as soon as staged)"},
		   {"queue-max", "N", "at most N statements waiting; more are refused (503)"},
		   {"rate", "PER_SECOND", "submissions allowed per second and client (0: unlimited)"},
		   {"blob-max", "BYTES", "largest blob accepted (default 268435456: 256 MiB)"},
		   {"blob-quota", "BYTES", "bytes one party's blobs may hold in all (default 4294967296: 4 GiB)"},
		   {"blob-total", "BYTES", "bytes all blobs may hold (default 68719476736: 64 GiB)"},
		   {"metrics-token", "FILE", "serve /metrics to every client presenting the bearer token in FILE "
					      "(mode 0600); without it, to loopback clients only"},
		   {"conn-limit", "N", "at most N connections at once (default 512; each needs an open file)"},
		   {"http-threads", "N", "HTTP threads serving the connections (default: one per core)"},
		   {"trust-log", NULL, "do not re-verify the log when opening it"},
		   {"accept-clear", NULL, "admit statements of sealed threads in clear (clients that do not seal)"},
		   {"allow-root", NULL, "run even as root"}),
	 .examples = "parley serve wg --listen 127.0.0.1:8080\n"
		     "parley serve wg --witness \"$(cat w1/witness.vkey)@http://127.0.0.1:8081\"",
	 .section = S_MEMBERS},
	{.name = "submit", .run = cmd_submit, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "sign and submit a statement",
	 .synopsis = "submit --type TYPE [--body FILE|-] [--ref INDEX]... [--seq N] [--wait] [--receipt FILE] [--json]\n"
		     "submit --envelope FILE [--wait] [--receipt FILE] [--json]",
	 .description = "Signs a statement of TYPE with your key (its body a JSON file, its references entries of "
			"the log) and submits it; or submits an envelope signed elsewhere. Prints the entry's index "
			"once the log has accepted it.",
	 .vf = V(CONN, SIGN, "type", "body", "ref", "envelope"), .bf = V("wait", "json"),
	 .opts = O({"type", "TYPE", "the statement type (docs/statements.md)"},
		   {"body", "FILE", "the body, a JSON object (- for standard input)"},
		   {"ref", "INDEX", "refer to entry INDEX (repeatable)"},
		   {"envelope", "FILE", "submit this signed DSSE envelope as it is (a final newline is dropped)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley submit --type ping --key b.key --wait",
	 .exits = "4 when the server refuses the statement", .section = S_MEMBERS},
	{.name = "get", .run = cmd_get, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "fetch a statement and verify it",
	 .synopsis = "get INDEX [--json]",
	 .description = "Fetches entry INDEX with its inclusion proof and checks the checkpoint, the inclusion and "
			"the author's signature under the key the author held then.",
	 .vf = V(CONN), .bf = V("json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_JSON, .examples = "parley get 2",
	 .exits = "1 when the checkpoint, the proof or the signature does not check", .section = S_MEMBERS},
	{.name = "proof", .run = cmd_proof, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "fetch a statement's tlog-proof file",
	 .synopsis = "proof INDEX [--out FILE]",
	 .description = "Fetches and checks entry INDEX's proof, a tlog-proof carrying the statement, and writes it "
			"to standard output or FILE; `parley verify-proof` checks it offline.",
	 .vf = V(CONN, "out"), .bf = NOFLAGS,
	 .opts = O({"out", "FILE", "write the proof to FILE instead of standard output"}), .docs = DOC_CONN,
	 .examples = "parley proof 2 --out p", .section = S_MEMBERS},
	{.name = "verify-proof", .run = cmd_verify_proof, .needs = CLI_NEEDS_CONFIG,
	 .summary = "verify a statement's proof file, or a kept acceptance, offline",
	 .synopsis = "verify-proof FILE --vkey LOGKEY (--identity AUTHOR.id.json | [--log DIR|URL [--evidence OUT]]) "
		     "[--witness-key WKEY]... [--quorum K]",
	 .description = "Given a proof file, checks offline the checkpoint signature, the inclusion of the statement "
			"and the author's signature (`parley log verify-proof` checks the log part alone). Given an "
			"acceptance a member kept (either form; docs/cli.md, \"Kept acceptances\"), checks that the log "
			"key signed it for that index and leaf; with --log, also that the log's entry at that index has "
			"that leaf, and says plainly when the log broke its word.",
	 .vf = V("vkey", "identity", "log", "evidence", "witness-key", "quorum"), .bf = NOFLAGS,
	 .opts = O({"vkey", "LOGKEY", "the log's verifier key, or a file holding it (required; PARLEY_VKEY)"},
		   {"identity", "ID.json", "the author's identity (required for a proof file)"},
		   {"log", "DIR|URL", "with an acceptance: the log to hold it against (its directory or tiles URL)"},
		   {"evidence", "OUT", "with --log: where the log's proof of the entry it holds is written when that "
				       "entry is not the accepted one"}),
	 .docs = DOC_POLICY,
	 .examples = "parley verify-proof p --vkey wg/log.vkey --identity b.id.json\n"
		     "parley verify-proof ~/.local/share/parley/acceptances/wg.example_log-1a2b3c4d/42.json --vkey wg/log.vkey "
		     "--log https://wg.example/log",
	 .exits = "1 when a signature, the inclusion or the quorum does not check, or the log does not hold the "
		  "accepted leaf at its index (another leaf: it broke its word; none yet: not published)",
	 .section = S_MEMBERS},
	{.name = "disclose", .run = cmd_disclose, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "prove to a third party what a sealed statement says",
	 .synopsis = "disclose INDEX --out FILE",
	 .description = "Opens the sealed statement at entry INDEX with your key (--key or PARLEY_KEY; you must be one "
			"of its readers) and writes a disclosure file: the statement with its tlog-proof, the entry "
			"that established its author's key with its own, both in the checkpoint of your verified copy "
			"(cosigned by the witness quorum), and the statement's salt and canonical body, which its "
			"signed commitment names. Never a key: anyone holding the file learns this one statement's "
			"text and nothing else. `parley verify-disclosure` checks it offline (docs/confidentiality.md, "
			"section 7).",
	 .vf = V(CONN, "out"), .bf = NOFLAGS, .opts = O({"out", "FILE", "where the disclosure file is written (required)"}),
	 .docs = DOC_CONN, .examples = "parley disclose 4 --out case4.disclosure",
	 .exits = "1 when you are not a reader of the statement, or it does not open as it should (then use "
		  "`parley prove`)",
	 .section = S_MEMBERS},
	{.name = "prove", .run = cmd_prove, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "prove that a sealed statement's author misbehaved",
	 .synopsis = "prove INDEX --out FILE",
	 .description = "For a sealed statement at entry INDEX that does not open for you as it should (the key "
			"wrapped to you does not open, it does not open the text, the text is malformed, or its "
			"commitment names another text), writes a proof file anyone checks offline with `parley "
			"verify-disclosure`: a box proof (your box's shared secret with a proof that it is yours, "
			"never your secret key) or a key proof (the statement's content key), with the statement, "
			"the author's key entry and, for a box proof, your key entry, each proven in one cosigned "
			"checkpoint.",
	 .vf = V(CONN, "out"), .bf = NOFLAGS, .opts = O({"out", "FILE", "where the proof file is written (required)"}),
	 .docs = DOC_CONN, .examples = "parley prove 7 --out entry7.proof",
	 .exits = "1 when you are not a reader, or the statement opens as it should (nothing to prove)",
	 .section = S_MEMBERS},
	{.name = "verify-disclosure", .run = cmd_verify_disclosure, .needs = CLI_NEEDS_CONFIG,
	 .summary = "check a disclosure or a proof of misbehaviour offline",
	 .synopsis = "verify-disclosure FILE --vkey LOGKEY [--witness-key WKEY]... [--quorum K] [--json]",
	 .description = "Checks offline, with no server, a file from `parley disclose` or `parley prove`: every entry "
			"included in one checkpoint signed by LOGKEY and cosigned by K of the witnesses, the "
			"statement signed by the key its author's key entry establishes, then either that the "
			"disclosed text is the one the statement's commitment names (and prints log, index, time, "
			"author, type, thread, TLP, readers and the text) or that the proof proves the author's "
			"misbehaviour. Says what it could not check offline.",
	 .vf = V("vkey", "witness-key", "quorum"), .bf = V("json"), .opts = O({"vkey", "LOGKEY", "the log's verifier key, "
											 "or a file holding it (required; "
											 "PARLEY_VKEY)"}),
	 .docs = DOC_POLICY | DOC_JSON,
	 .examples = "parley verify-disclosure case4.disclosure --vkey wg/log.vkey --witness-key w1.vkey "
		     "--witness-key w2.vkey --quorum 2",
	 .exits = "1 when anything does not check (a signature, an inclusion, the quorum, the commitment, a proof "
		  "that proves nothing, or not such a file)",
	 .section = S_MEMBERS},
	{.name = "enroll", .run = cmd_enroll, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "sponsor a new member",
	 .synopsis = "enroll IDENTITY.id.json [--wait] [--receipt FILE] [--json]",
	 .description = "Signs an enroll statement for the candidate's identity; the charter says how many sponsors "
			"make a member.",
	 .vf = V(CONN, SIGN), .bf = V("wait", "json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley enroll c.id.json --wait", .exits = "4 when the server refuses the statement",
	 .section = S_MEMBERS},
	{.name = "key", .summary = "rotate or revoke your party's key", .section = S_MEMBERS},
	{.name = "key rotate", .run = cmd_key_rotate, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "replace your party's key with a new one",
	 .synopsis = "key rotate --new NEW.key [--wait] [--receipt FILE] [--json]",
	 .description = "Signs a key.rotate statement with both the current key (--key) and the new one; from its "
			"entry on, only the new key speaks for the party.",
	 .vf = V(CONN, SIGN, "new"), .bf = V("wait", "json"),
	 .opts = O({"new", "FILE", "the new secret key (made with `parley keygen` for the same party)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley keygen --party cert.a --out a2 && parley key rotate --new a2.key",
	 .exits = "4 when the server refuses the statement", .section = S_MEMBERS},
	{.name = "key revoke", .run = cmd_key_revoke, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "revoke your party's key",
	 .synopsis = "key revoke [--reason TEXT] [--wait] [--receipt FILE] [--json]",
	 .description = "Signs a key.revoke statement: the party's key speaks no more.",
	 .vf = V(CONN, SIGN, "reason"), .bf = V("wait", "json"), .opts = O({"reason", "TEXT", "why, for the record"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley key revoke --reason \"key compromised\" --wait",
	 .exits = "4 when the server refuses the statement", .section = S_MEMBERS},
	{.name = "members", .summary = "the members' shared key for TLP:GREEN", .section = S_MEMBERS},
	{.name = "members list", .run = cmd_members_list, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "the members and their contact details",
	 .synopsis = "members list [--old-key FILE]... [--now TIME] [--json] [--log DIR]",
	 .description = "Lists the log's parties as your verified copy makes them: member or revoked, since which "
			"entry, founder or not, and their contact details, opened with the members' keys you hold "
			"when they are sealed (--key or PARLEY_KEY).",
	 .vf = V(CONN, "log", "now", "old-key"), .bf = V("json"), .opts = O({"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW, .examples = "parley members list",
	 .section = S_MEMBERS},
	{.name = "members rekey", .run = cmd_members_rekey, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "give the members a new members' key",
	 .synopsis = "members rekey [--wait] [--receipt FILE] [--json]",
	 .description = "TLP:GREEN is sealed to one key all members hold. After an enrolment, a key rotation or a "
			"revocation that key is no longer current: this signs a members.rekey wrapping a fresh key to "
			"every active member, chained to the one before it so later members read earlier GREEN "
			"statements. A GREEN concern or answer does it on its own when needed; it needs the latest "
			"members' key, so a member that joined after it waits for another to rekey.",
	 .vf = V(CONN, SIGN), .bf = V("wait", "json"), .opts = NOOPTS,
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley members rekey --wait",
	 .exits = "4 when the server refuses the statement", .section = S_MEMBERS},
	{.name = "share", .run = cmd_share, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "give a member that lost a key what was sealed to it",
	 .synopsis = "share ENTRY... --to PARTY [--old-key FILE]... [--lang TAG] [--wait] [--json]",
	 .description = "Opens each ENTRY (1 to 16 sealed statements you are a reader of) with your keys and "
			"re-wraps its content key to PARTY in a share statement sealed to PARTY and you: a member "
			"that lost the key they were sealed to reads them again (case show, cases, inbox). Only those "
			"statements: no key of yours, and no other statement's key, is revealed. PARTY checks that "
			"each key opens its entry as the author's commitment says.",
	 .vf = V(CONN, SIGN, "to", "old-key", "lang"), .bf = V("wait", "json"),
	 .opts = O({"to", "PARTY", "the member the keys are for (required)"},
		   {"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"},
		   {"lang", "TAG", "the language of the share (default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley share 12 15 --to cert.b --wait",
	 .exits = "3 when you cannot open an entry; 4 when the server refuses the statement", .section = S_MEMBERS},
	{.name = "contact", .run = cmd_contact, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "publish your party's contact details",
	 .synopsis = "contact [--name S] [--email S] [--phone S] [--url S] [--hours S] [--note S] [--lang TAG] [--public]\n"
		     "        [--wait] [--json]",
	 .description = "Signs a contact.update statement with the fields given (at least one), sealed to the members' "
			"key (TLP:GREEN: every member reads them, also those who join later; the client rekeys first "
			"when the members changed), or with --public in clear, for anyone who reads the log.",
	 .vf = V(CONN, SIGN, "name", "email", "phone", "url", "hours", "note", "lang"), .bf = V("wait", "json", "public"),
	 .opts = O({"name", "S", "a contact name"}, {"email", "S", "an e-mail address"},
		   {"phone", "S", "a telephone number"}, {"url", "S", "a web address"},
		   {"hours", "S", "when you can be reached"}, {"note", "S", "anything else"},
		   {"lang", "TAG", "the language of the details (default en)"},
		   {"public", NULL, "publish in clear instead of sealing to the members"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley contact --email cert@a.example --hours 24/7",
	 .exits = "2 for details the rules refuse (said before signing); 4 when the server refuses the statement",
	 .section = S_MEMBERS},
	{.name = "blob", .summary = "members' content-addressed blobs on the server", .section = S_MEMBERS},
	{.name = "blob put", .run = cmd_blob_put, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "upload a file as a blob",
	 .synopsis = "blob put FILE",
	 .description = "Uploads FILE (- for standard input), signed by your key, and prints its SHA-256.",
	 .vf = V(CONN), .bf = NOFLAGS, .opts = NOOPTS, .docs = DOC_CONN, .examples = "parley blob put report.pdf",
	 .exits = "4 when the server refuses the blob", .section = S_MEMBERS},
	{.name = "blob get", .run = cmd_blob_get, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "download a blob and check its hash",
	 .synopsis = "blob get SHA256 [--out FILE]",
	 .description = "Downloads the blob named SHA256 and checks that its bytes hash to it.",
	 .vf = V(CONN, "out"), .bf = NOFLAGS,
	 .opts = O({"out", "FILE", "write the blob to FILE (mode 0600) instead of standard output"}),
	 .docs = DOC_CONN, .examples = "parley blob get 9f86d0...0f00a08 --out report.pdf",
	 .exits = "1 when the bytes do not hash to SHA256; 4 when the server refuses", .section = S_MEMBERS},

	/* ---- witnesses and monitors ---- */
	{.name = "witness", .summary = "run a witness that cosigns a log's checkpoints", .section = S_WITNESS},
	{.name = "witness init", .run = cmd_witness_init, .summary = "make a witness and its cosigning key",
	 .synopsis = "witness init DIR --name NAME",
	 .description = "Creates the witness's state in DIR and prints its verifier key (also in DIR/witness.vkey).",
	 .vf = V("name"), .bf = NOFLAGS, .opts = O({"name", "NAME", "the witness's name, like witness.example.org/w1"}),
	 .examples = "parley witness init w1 --name witness.cert-b.example/w1", .section = S_WITNESS},
	{.name = "witness add-log", .run = cmd_witness_add_log, .needs = CLI_NEEDS_CONFIG, .summary = "witness a log",
	 .synopsis = "witness add-log DIR --vkey LOGKEY",
	 .description = "Adds the log with verifier key LOGKEY to those the witness cosigns.",
	 .vf = V("vkey"), .bf = NOFLAGS,
	 .opts = O({"vkey", "LOGKEY", "the log's verifier key, or a file holding it (PARLEY_VKEY)"}),
	 .examples = "parley witness add-log w1 --vkey \"$(cat wg/log.vkey)\"", .section = S_WITNESS},
	{.name = "witness serve", .run = cmd_witness_serve, .summary = "run the witness's HTTP endpoint",
	 .synopsis = "witness serve DIR [--listen HOST:PORT] [--rate PER_SECOND] [--port-file FILE] [--allow-root]",
	 .description = "Cosigns the checkpoints of its logs that are consistent with what it saw before "
			"(c2sp.org/tlog-witness). Stops on SIGINT or SIGTERM.",
	 .vf = V("listen", "rate", "port-file"), .bf = V("allow-root"),
	 .opts = O({"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:8081)"},
		   {"rate", "PER_SECOND", "requests allowed per second (default 10; 0: unlimited)"},
		   {"port-file", "FILE", "write the port listened on to FILE"},
		   {"allow-root", NULL, "run even as root"}),
	 .examples = "parley witness serve w1 --listen 127.0.0.1:8081", .section = S_WITNESS},
	{.name = "monitor", .run = cmd_monitor, .needs = CLI_NEEDS_CONFIG,
	 .summary = "follow a log, verify everything, keep a mirror, catch forks",
	 .synopsis = "monitor URL --vkey LOGKEY --dir STATE [--witness WKEY@URL]... [--quorum K] [--once]\n"
		     "monitor URL --vkey LOGKEY --dir STATE [--interval SECONDS] [--hook COMMAND] [--chunk N] [--no-gzip]",
	 .description = "Follows the log at URL, verifies every statement, keeps a verified mirror in STATE "
			"(servable as tlog-tiles) and compares the log's checkpoints with the witnesses'. A fork "
			"becomes a proof in STATE/forks/ (check it with `parley verify-fork`). Progress goes to "
			"standard error when it is a terminal.",
	 .vf = V("vkey", "dir", "witness", "quorum", "interval", "hook", "chunk"), .bf = V("once", "no-gzip"),
	 .opts = O({"vkey", "LOGKEY", "the log's verifier key, or a file holding it (required; PARLEY_VKEY)"},
		   {"dir", "STATE", "the monitor's state and mirror (required)"},
		   {"witness", "WKEY@URL", "a witness to compare with (repeatable)"},
		   {"quorum", "K", "checkpoints need K of the witnesses' cosignatures (PARLEY_QUORUM)"},
		   {"interval", "SECONDS", "time between rounds (default 10)"},
		   {"once", NULL, "one round, then exit"},
		   {"hook", "COMMAND", "run COMMAND (sh -c) on a finding, with PARLEY_EVENT, PARLEY_MESSAGE and "
				       "PARLEY_FORK_PROOF set"},
		   {"chunk", "N", "verify N entries at a time"},
		   {"no-gzip", NULL, "do not ask for compressed responses"}),
	 .examples = "parley monitor http://127.0.0.1:8080 --vkey wg/log.vkey --dir mon --once",
	 .exits = "1 when something did not verify or a fork was found", .section = S_WITNESS},
	{.name = "verify-fork", .run = cmd_verify_fork, .needs = CLI_NEEDS_CONFIG,
	 .summary = "check a proof that a log forked",
	 .synopsis = "verify-fork FILE [--vkey LOGKEY]",
	 .description = "Checks offline that FILE holds two checkpoints signed by the same log that cannot both be "
			"true, and says which.",
	 .vf = V("vkey"), .bf = NOFLAGS,
	 .opts = O({"vkey", "LOGKEY", "require the fork to be of this log (PARLEY_VKEY)"}),
	 .examples = "parley verify-fork mon/forks/fork-1767225600.proof",
	 .exits = "1 when FILE does not prove a fork", .section = S_WITNESS},

	/* ---- consultations ---- */
	{.name = "concern", .summary = "raise a concern", .section = S_WORK},
	{.name = "concern raise", .run = cmd_concern_raise, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "raise a concern: a new case",
	 .synopsis = "concern raise [--file CONCERN.json] [--title T] [--class CLASS] [--rsit-type TYPE] [--tlp LABEL]\n"
		     "concern raise [--summary TEXT | --summary-file FILE] [--to PARTY]... [--norm-set HASH --norm ID...] "
		     "[--evidence SHA256[:NAME]]... [--group GROUP] [--lang TAG]",
	 .description = "Raises a concern, a new case named by its entry index (in standing group GROUP with --group: "
			"you and every recipient are its members). --file gives the body as JSON and "
			"the flags complete or override it; required fields still missing are asked for on a terminal. "
			"Under TLP:RED, TLP:AMBER+STRICT and TLP:AMBER its title, summary, class, type, norms and "
			"evidence are sealed to its author and recipients, with their keys from your verified copy.",
	 .vf = V(CONN, SIGN, "file", "title", "class", "rsit-type", "tlp", "summary", "summary-file", "to", "norm-set",
		 "norm", "evidence", "group", "lang"),
	 .bf = V("wait", "json"),
	 .opts = O({"file", "FILE", "the concern's body, a JSON object (- for standard input)"},
		   {"title", "T", "one line"},
		   {"class", "CLASS", "RSIT incident class, like malicious-code or information-gathering"},
		   {"rsit-type", "TYPE", "RSIT incident type, like scanner"}, {"tlp", "LABEL", TLP_TEXT},
		   {"summary", "TEXT", "one paragraph"}, {"summary-file", "FILE", "the summary, read from FILE"},
		   {"to", "PARTY", "a recipient (repeatable, or comma-separated)"},
		   {"norm-set", "HASH", "the norm set the --norm ids belong to (see `parley norms list`)"},
		   {"norm", "ID", "a norm the concern invokes, like 13(c) (repeatable)"},
		   {"evidence", "SHA256[:NAME]", "a blob offered as evidence (repeatable)"},
		   {"group", "GROUP", "the standing group the concern is raised in"},
		   {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley concern raise --title \"Scanning\" --class information-gathering --tlp TLP:AMBER \\\n"
		     "    --summary \"Scans from AS64500\" --to cert.b --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "request", .run = cmd_request, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "ask something of other parties in a case, with a deadline",
	 .synopsis = "request CASE --kind KIND --to PARTY... --text TEXT [--due TIME --due-reason TEXT] [--narrow] [--lang TAG]\n"
		     "request CASE --kind preservation ... [--preservation FILE.json | --authority T --offence T --facts T "
		     "--data T --relationship T --custodian T --necessity T [--mla-intent]]",
	 .description = "KIND is information, evidence, assistance, mitigation, preservation or consultation. "
			"Without --due the charter's default deadline applies. Preservation requests carry the "
			"Budapest Convention art. 29(2) fields. In a case under TLP:RED, TLP:AMBER+STRICT or TLP:AMBER "
			"the text, the due reason and the preservation fields are sealed to the case's parties (the "
			"concern's author and recipients), with their keys from your verified copy; kind, addressees "
			"and deadline stay public. --narrow seals them to you and the addressees only (a preservation "
			"request in a ten-party case need not reach the other eight); the request's answers follow.",
	 .vf = V(CONN, SIGN, "kind", "to", "text", "due", "due-reason", "preservation", "authority", "offence",
		 "facts", "data", "relationship", "custodian", "necessity", "lang"),
	 .bf = V("wait", "json", "mla-intent", "narrow"),
	 .opts = O({"kind", "KIND", "what is asked for (required)"},
		   {"to", "PARTY", "an addressee (required; repeatable, or comma-separated)"},
		   {"text", "TEXT", "the request (required)"},
		   {"due", "TIME", "the deadline, like 2026-12-31T12:00:00Z"},
		   {"due-reason", "TEXT", "why that deadline"},
		   {"preservation", "FILE", "the preservation fields as a JSON object"},
		   {"authority", "T", "preservation: the requesting authority"},
		   {"offence", "T", "preservation: the offence investigated"},
		   {"facts", "T", "preservation: a summary of the facts"},
		   {"data", "T", "preservation: the data to preserve"},
		   {"relationship", "T", "preservation: its relationship to the offence"},
		   {"custodian", "T", "preservation: who holds the data"},
		   {"necessity", "T", "preservation: why it must be preserved"},
		   {"mla-intent", NULL, "preservation: a mutual legal assistance request will follow"},
		   {"narrow", NULL, "sealed case: sealed to you and the addressees only, not every party"},
		   {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley request 4 --kind information --to cert.b --text \"Who runs 192.0.2.7?\" --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "ack", .run = cmd_ack, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "acknowledge a request",
	 .synopsis = "ack REQUEST [--note TEXT] [--lang TAG] [--wait] [--json]",
	 .description = "Acknowledges the request at entry REQUEST, which stops its acknowledgement clock." " In a case under TLP:RED, TLP:AMBER+STRICT or TLP:AMBER the note is sealed to the request's readers (the case's parties, or the narrowed set the request was sealed to), with their keys from your verified copy.",
	 .vf = V(CONN, SIGN, "note", "lang"), .bf = V("wait", "json"),
	 .opts = O({"note", "TEXT", "a note for the requester"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley ack 5 --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "respond", .run = cmd_respond, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "answer a request",
	 .synopsis = "respond REQUEST --status granted|partly_granted|postponed|refused [--reasons TEXT] [--text TEXT]\n"
		     "respond REQUEST --status STATUS [--until TIME] [--preserved-until TIME] [--availability-warning TEXT]",
	 .description = "Answers the request at entry REQUEST. postponed and refused need --reasons; postponed needs "
			"--until; confirming a preservation request needs --preserved-until at least 60 days away."
			" In a case under TLP:RED, TLP:AMBER+STRICT or TLP:AMBER the reasons, the text and the availability warning are sealed to the request's readers (the case's parties, or the narrowed set the request was sealed to), with their keys from your verified copy. The status "
			"and the dates stay public.",
	 .vf = V(CONN, SIGN, "status", "reasons", "text", "until", "preserved-until", "availability-warning", "lang"),
	 .bf = V("wait", "json"),
	 .opts = O({"status", "STATUS", "granted, partly_granted, postponed or refused (required)"},
		   {"reasons", "TEXT", "why postponed or refused"}, {"text", "TEXT", "the answer"},
		   {"until", "TIME", "postponed until then"},
		   {"preserved-until", "TIME", "preservation: the data is kept until then"},
		   {"availability-warning", "TEXT", "preservation: what may already be gone"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley respond 5 --status granted --text \"a hosting customer; notified\" --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "status", .run = cmd_status, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "ask where a request stands, or report progress",
	 .synopsis = "status REQUEST --query [--text TEXT] [--lang TAG]\nstatus REQUEST --update TEXT [--lang TAG]",
	 .description = "The requester asks where a request stands (--query); an addressee reports progress "
			"(--update)."
			" In a case under TLP:RED, TLP:AMBER+STRICT or TLP:AMBER the text is sealed to the request's readers (the case's parties, or the narrowed set the request was sealed to), with their keys from your verified copy.",
	 .vf = V(CONN, SIGN, "update", "text", "lang"), .bf = V("wait", "json", "query"),
	 .opts = O({"query", NULL, "ask where the request stands"}, {"update", "TEXT", "report progress"},
		   {"text", "TEXT", "with --query: a note"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley status 5 --update \"half of the logs found\"",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "withdraw", .run = cmd_withdraw, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "say a request is no longer required",
	 .synopsis = "withdraw REQUEST [--reason TEXT] [--lang TAG] [--wait] [--json]",
	 .description = "The requester withdraws the request at entry REQUEST." " In a case under TLP:RED, TLP:AMBER+STRICT or TLP:AMBER the reason is sealed to the request's readers (the case's parties, or the narrowed set the request was sealed to), with their keys from your verified copy.",
	 .vf = V(CONN, SIGN, "reason", "lang"), .bf = V("wait", "json"),
	 .opts = O({"reason", "TEXT", "why, for the record"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley withdraw 5 --reason \"found elsewhere\"",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "close", .run = cmd_close, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "close your case with its outcome",
	 .synopsis = "close CASE --outcome resolved|partly_resolved|unresolved|no_longer_required [--text TEXT] [--lang TAG]",
	 .description = "The party that raised the concern closes its case. In a case under TLP:RED, "
			"TLP:AMBER+STRICT or TLP:AMBER the closing note is sealed to the case's parties; the outcome "
			"stays public.",
	 .vf = V(CONN, SIGN, "outcome", "text", "lang"), .bf = V("wait", "json"),
	 .opts = O({"outcome", "OUTCOME", "resolved, partly_resolved, unresolved or no_longer_required (required)"},
		   {"text", "TEXT", "a closing note"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley close 4 --outcome resolved --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "ping", .run = cmd_ping, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "a communication check",
	 .synopsis = "ping [--to PARTY]... [--note TEXT] [--wait] [--json]",
	 .description = "Asks the parties named (without --to: every other member) to answer with `parley pong`.",
	 .vf = V(CONN, SIGN, "to", "note"), .bf = V("wait", "json"),
	 .opts = O({"to", "PARTY", "who must answer (repeatable, or comma-separated)"}, {"note", "TEXT", "a note"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley ping --to cert.b --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "pong", .run = cmd_pong, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER, .summary = "answer a ping",
	 .synopsis = "pong PING [--wait] [--json]",
	 .description = "Answers the ping at entry PING.",
	 .vf = V(CONN, SIGN), .bf = V("wait", "json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley pong 7", .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "norms", .summary = "norm sets: list, show, subscribe, withdraw, publish", .section = S_WORK},
	{.name = "norms list", .run = cmd_norms_list, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "the norm sets published in the log",
	 .synopsis = "norms list [--json] [--log DIR]",
	 .description = "Lists every published norm set: its hash, name, version, size and subscribers.",
	 .vf = V(CONN, "log"), .bf = V("json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_JSON | DOC_LOCAL,
	 .examples = "parley norms list --json", .section = S_WORK},
	{.name = "norms show", .run = cmd_norms_show, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "one norm set: its norms and who subscribes",
	 .synopsis = "norms show HASH [--json] [--log DIR]",
	 .description = "Shows the norm set whose hash is HASH (64 hex digits).",
	 .vf = V(CONN, "log"), .bf = V("json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_JSON | DOC_LOCAL,
	 .examples = "parley norms show \"$H\"", .section = S_WORK},
	{.name = "norms subscribe", .run = cmd_norms_subscribe, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "subscribe your party to a published norm set",
	 .synopsis = "norms subscribe HASH [--wait] [--json]",
	 .description = "Signs a norms.subscribe statement for the set HASH.",
	 .vf = V(CONN, SIGN), .bf = V("wait", "json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley norms subscribe \"$H\" --wait", .exits = "4 when the server refuses the statement",
	 .section = S_WORK},
	{.name = "norms withdraw", .run = cmd_norms_withdraw, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "withdraw your subscription to a norm set",
	 .synopsis = "norms withdraw HASH [--reason TEXT] [--wait] [--json]",
	 .description = "Signs a norms.withdraw statement for the set HASH.",
	 .vf = V(CONN, SIGN, "reason"), .bf = V("wait", "json"), .opts = O({"reason", "TEXT", "why, for the record"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley norms withdraw \"$H\" --reason \"superseded\"",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "norms publish", .run = cmd_norms_publish, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "publish a norm set",
	 .synopsis = "norms publish FILE [--wait] [--json]",
	 .description = "Publishes the norm set in FILE (JSON, docs/workflow.md; - for standard input) and prints "
			"its hash.",
	 .vf = V(CONN, SIGN), .bf = V("wait", "json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley norms publish data/norms/un-gge-2015.json", .exits = "4 when the server refuses the statement",
	 .section = S_WORK},
	{.name = "inbox", .run = cmd_inbox, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "what awaits your answer, overdue first",
	 .synopsis = "inbox [--party P] [--old-key FILE]... [--now TIME] [--limit N] [--offset N] [--json] [--log DIR]",
	 .description = "The requests and pings awaiting the party's acknowledgement or answer (default: the party "
			"of --key), overdue first. A sealed request's text and its case's title are opened with --key "
			"(PARLEY_KEY) when it is a reader's.",
	 .vf = V(CONN, "log", "now", "limit", "offset", "party", "old-key"), .bf = V("json"),
	 .opts = O({"party", "P", "whose inbox (default: the party of --key)"}, {"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW | DOC_PAGE,
	 .examples = "PARLEY_KEY=b.key parley inbox\nparley inbox --party cert.b --log mon --json", .section = S_WORK},
	{.name = "cases", .run = cmd_cases, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER, .summary = "list cases",
	 .synopsis = "cases [--party P] [--state open|closed] [--old-key FILE]... [--limit N] [--offset N] [--json] [--log DIR]",
	 .description = "Lists the cases, newest first.",
	 .vf = V(CONN, "log", "now", "limit", "offset", "party", "state", "old-key"), .bf = V("json"),
	 .opts = O({"party", "P", "only cases the party raised or received"},
		   {"state", "STATE", "only open or only closed cases"}, {"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW | DOC_PAGE, .examples = "parley cases --state open",
	 .section = S_WORK},
	{.name = "case", .summary = "show one case", .section = S_WORK},
	{.name = "case show", .run = cmd_case_show, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "one case's thread, each statement verified",
	 .synopsis = "case show ID [--old-key FILE]... [--now TIME] [--json] [--log DIR]",
	 .description = "Shows case ID: its requests and their state, and every statement of its thread, each "
			"checked for its signature, its inclusion and the witness quorum. A sealed concern is opened "
			"with your key (--key or PARLEY_KEY).",
	 .vf = V(CONN, "log", "now", "old-key"), .bf = V("json"), .opts = O({"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW, .examples = "parley case show 4",
	 .exits = "1 when a statement of the thread does not verify", .section = S_WORK},
	{.name = "report", .run = cmd_report, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "who answers and who does not, derived from the log",
	 .synopsis = "report [--party P] [--now TIME] [--json] [--log DIR]",
	 .description = "Each party's record: norm sets subscribed, concerns, requests acknowledged and answered on "
			"time, late or never, median times, ping answers. Anyone holding the log gets the same "
			"figures.",
	 .vf = V(CONN, "log", "now", "party"), .bf = V("json"), .opts = O({"party", "P", "only this party"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW, .examples = "parley report --json", .section = S_WORK},
	{.name = "group", .summary = "standing groups: propose, answer, leave, dissolve, show", .section = S_WORK},
	{.name = "group propose", .run = cmd_group_propose, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "offer a standing group to other members",
	 .synopsis = "group propose --kind bilateral|multilateral --invite PARTY... --tlp LABEL --due TIME --due-reason TEXT "
		     "--name TEXT --mandate TEXT [--cadence TEXT] [--expert NAME]... [--lang TAG] [--wait] [--json]",
	 .description = "Offers a standing working group (bilateral: exactly one party invited) and asks the invited "
			"parties to answer by --due, saying why then. Under any label but TLP:CLEAR the name, mandate, "
			"cadence, experts and the deadline's reason are sealed to you and the invited parties (TLP:GREEN: "
			"to the members' key); who was invited, the kind and the deadline stay public. Silence past the "
			"deadline is on the record (group show, report).",
	 .vf = V(CONN, SIGN, "kind", "invite", "tlp", "due", "due-reason", "name", "mandate", "cadence", "expert", "lang"),
	 .bf = V("wait", "json"),
	 .opts = O({"kind", "KIND", "bilateral or multilateral (required)"}, {"invite", "PARTY", "a party invited (repeatable, or comma-separated; required)"},
		   {"tlp", "LABEL", "the group's TLP label (required)"}, {"due", "TIME", "when the answers are due (required)"},
		   {"due-reason", "TEXT", "why by then (required)"}, {"name", "TEXT", "the group's name (required)"},
		   {"mandate", "TEXT", "what the group is for (required)"}, {"cadence", "TEXT", "how often it meets"},
		   {"expert", "NAME", "an expert or contact you name to the group (repeatable)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley group propose --kind bilateral --invite cert.b --tlp TLP:AMBER --due 2026-12-20T00:00:00Z \\\n"
		     "    --due-reason \"before the ministers meet\" --name \"Grid incidents\" --mandate \"study every concern\" --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "group answer", .run = cmd_group_answer, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "accept or decline a group you are invited to",
	 .synopsis = "group answer GROUP --accept|--decline [--reasons TEXT] [--expert NAME]... [--lang TAG] [--wait] [--json]",
	 .description = "Answers the invitation to group GROUP, once: declining gives its reasons. To change your "
			"mind after accepting, leave the group. Reasons and experts are sealed to the group's readers "
			"unless the group is TLP:CLEAR.",
	 .vf = V(CONN, SIGN, "reasons", "expert", "lang"), .bf = V("wait", "json", "accept", "decline"),
	 .opts = O({"accept", NULL, "join the group"}, {"decline", NULL, "decline it (with --reasons)"},
		   {"reasons", "TEXT", "why (required to decline)"}, {"expert", "NAME", "an expert or contact you name (repeatable)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley group answer 12 --accept --expert \"Dr. B. Expert\" --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "group leave", .run = cmd_group_leave, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "leave a group you accepted",
	 .synopsis = "group leave GROUP --reasons TEXT [--lang TAG] [--wait] [--json]",
	 .description = "Leaves group GROUP, saying why (sealed unless TLP:CLEAR). A bilateral group ends when "
			"its invited party leaves; its proposer dissolves it instead.",
	 .vf = V(CONN, SIGN, "reasons", "lang"), .bf = V("wait", "json"), .opts = O({"reasons", "TEXT", "why (required)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley group leave 12 --reasons \"the mandate is fulfilled\"",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "group dissolve", .run = cmd_group_dissolve, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "dissolve a group you proposed",
	 .synopsis = "group dissolve GROUP --reasons TEXT [--lang TAG] [--wait] [--json]",
	 .description = "The proposer ends group GROUP, saying why (sealed unless TLP:CLEAR). Nothing more is said in it.",
	 .vf = V(CONN, SIGN, "reasons", "lang"), .bf = V("wait", "json"), .opts = O({"reasons", "TEXT", "why (required)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley group dissolve 12 --reasons \"no longer needed\"",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "group show", .run = cmd_group_show, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "one group: every party's answer or silence, its thread",
	 .synopsis = "group show GROUP [--old-key FILE]... [--now TIME] [--json] [--log DIR]",
	 .description = "Shows group GROUP: its proposal (opened with your key when sealed to you), each invited "
			"party's answer, whether it came after the deadline or never came (silent at --now), who left, "
			"and the thread with its reasons.",
	 .vf = V(CONN, "log", "now", "old-key"), .bf = V("json"), .opts = O({"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW, .examples = "parley group show 12",
	 .exits = "1 when a statement of the thread does not verify", .section = S_WORK},
	{.name = "groups", .run = cmd_groups, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER, .summary = "list standing groups",
	 .synopsis = "groups [--party P] [--state proposed|established|declined|dissolved] [--old-key FILE]... [--limit N] [--offset N] [--json] [--log DIR]",
	 .description = "Lists the standing groups, newest activity first; a sealed group's name is opened with your key.",
	 .vf = V(CONN, "log", "now", "limit", "offset", "party", "state", "old-key"), .bf = V("json"),
	 .opts = O({"party", "P", "only groups the party proposed or is invited to"},
		   {"state", "STATE", "only groups in that state"}, {"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW | DOC_PAGE, .examples = "parley groups --state established",
	 .section = S_WORK},
	{.name = "session", .summary = "consultation sessions: propose, answer, reschedule, cancel, hold, record the outcome", .section = S_WORK},
	{.name = "session propose", .run = cmd_session_propose, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "propose a consultation session",
	 .synopsis = "session propose --invite PARTY... --tlp LABEL --from TIME --until TIME --due TIME --due-reason TEXT --agenda TEXT... --format in_person|virtual|written [--place TEXT] [--group GROUP] [--thread ENTRY]... [--lang TAG] [--wait] [--json]",
	 .description = "Proposes a session to the parties invited, in the window given (at most 30 days), their answers due by "
			"--due. Under any label but TLP:CLEAR the agenda's texts, the format, the place and the deadline's "
			"reason are sealed to you and the participants; who, when, and the cases or requests on the agenda "
			"(--thread) stay public. In a group (--group), every participant is a member of it.",
	 .vf = V(CONN, SIGN, "invite", "tlp", "from", "until", "due", "due-reason", "agenda", "format", "place", "group", "thread", "lang"),
	 .bf = V("wait", "json"),
	 .opts = O({"invite", "PARTY", "a participant (repeatable, or comma-separated; required)"}, {"tlp", "LABEL", "the session's TLP label (required)"},
		   {"from", "TIME", "the window's start (required)"}, {"until", "TIME", "the window's end (required)"},
		   {"due", "TIME", "when the answers are due (required)"}, {"due-reason", "TEXT", "why by then (required)"},
		   {"agenda", "TEXT", "an agenda item (repeatable; required)"}, {"format", "FORMAT", "in_person, virtual or written (required)"},
		   {"place", "TEXT", "where"}, {"group", "GROUP", "the standing group it is held in"},
		   {"thread", "ENTRY", "a case or request on the agenda (repeatable, at most 8)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley session propose --invite cert.b --tlp TLP:AMBER --from 2026-12-10T09:00:00Z --until 2026-12-10T12:00:00Z \\\n    --due 2026-12-08T00:00:00Z --due-reason \"visas\" --agenda \"the grid scans\" --format virtual --wait",
	 .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "session answer", .run = cmd_session_answer, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "accept or decline a session", .synopsis = "session answer SESSION --accept|--decline [--reasons TEXT] [--lang TAG] [--wait] [--json]",
	 .description = "Answers the invitation to session SESSION, once; declining gives its reasons (sealed unless TLP:CLEAR).",
	 .vf = V(CONN, SIGN, "reasons", "lang"), .bf = V("wait", "json", "accept", "decline"),
	 .opts = O({"accept", NULL, "take part"}, {"decline", NULL, "decline (with --reasons)"}, {"reasons", "TEXT", "why (required to decline)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley session answer 20 --accept --wait", .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "session reschedule", .run = cmd_session_reschedule, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "move a session you proposed", .synopsis = "session reschedule SESSION --from TIME --until TIME --reasons TEXT [--lang TAG] [--wait] [--json]",
	 .description = "The proposer moves the window, saying why; every answer stands (a participant who cannot make it cancels).",
	 .vf = V(CONN, SIGN, "from", "until", "reasons", "lang"), .bf = V("wait", "json"),
	 .opts = O({"from", "TIME", "the new start (required)"}, {"until", "TIME", "the new end (required)"}, {"reasons", "TEXT", "why (required)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley session reschedule 20 --from 2026-12-17T09:00:00Z --until 2026-12-17T12:00:00Z --reasons \"the minister is abroad\"", .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "session cancel", .run = cmd_session_cancel, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "cancel a session, on the record", .synopsis = "session cancel SESSION --reasons TEXT [--cites ENTRY] [--lang TAG] [--wait] [--json]",
	 .description = "The proposer or a participant cancels session SESSION: who, when and the case or request it cites "
			"(--cites) are public; the reasons are sealed unless TLP:CLEAR.",
	 .vf = V(CONN, SIGN, "reasons", "cites", "lang"), .bf = V("wait", "json"),
	 .opts = O({"reasons", "TEXT", "why (required)"}, {"cites", "ENTRY", "the case or request the cancellation invokes"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley session cancel 20 --cites 4 --reasons \"not right after that attack\"", .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "session held", .run = cmd_session_held, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "record that a session you proposed was held", .synopsis = "session held SESSION --at TIME [--note TEXT] [--lang TAG] [--wait] [--json]",
	 .description = "The proposer records that session SESSION was held at --at, within its window and not later than now.",
	 .vf = V(CONN, SIGN, "at", "note", "lang"), .bf = V("wait", "json"),
	 .opts = O({"at", "TIME", "when it was held (required)"}, {"note", "TEXT", "a note"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley session held 20 --at 2026-12-10T09:30:00Z", .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "session outcome", .run = cmd_session_outcome, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "put the minutes or a joint statement of a held session on record",
	 .synopsis = "session outcome SESSION --kind minutes|joint_statement --text TEXT [--lang TAG] [--wait] [--json]",
	 .description = "Records the outcome of held session SESSION, its text sealed to the session's readers unless "
			"TLP:CLEAR; every participant then endorses it or dissents (outcome endorse).",
	 .vf = V(CONN, SIGN, "kind", "text", "lang"), .bf = V("wait", "json"),
	 .opts = O({"kind", "KIND", "minutes or joint_statement (required)"}, {"text", "TEXT", "the text (required)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley session outcome 20 --kind minutes --text \"Both sides will exchange indicators monthly.\"", .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "outcome", .summary = "endorse the outcome of a session", .section = S_WORK},
	{.name = "outcome endorse", .run = cmd_outcome_endorse, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "endorse an outcome, or dissent", .synopsis = "outcome endorse OUTCOME [--dissent --note TEXT] [--lang TAG] [--wait] [--json]",
	 .description = "Endorses outcome OUTCOME, bound to its text by its leaf hash; --dissent says why not (--note). An "
			"endorsement stands; a dissent may later become one. The outcome is agreed once every participant endorses.",
	 .vf = V(CONN, SIGN, "note", "lang"), .bf = V("wait", "json", "dissent"),
	 .opts = O({"dissent", NULL, "do not endorse (with --note)"}, {"note", "TEXT", "a note (required to dissent)"}, {"lang", "TAG", "the language of the texts, sealed with them (BCP 47, like en or fr-CA; default en)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON, .examples = "parley outcome endorse 24 --wait", .exits = "4 when the server refuses the statement", .section = S_WORK},
	{.name = "outcome export", .run = cmd_outcome_export, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "one file proving a jointly endorsed outcome, checked offline",
	 .synopsis = "outcome export OUTCOME --out FILE",
	 .description = "Writes the outcome's disclosure (its text, opened with your key, and its session as thread) and "
			"every endorsement of it with its author's key entry, all proven in one checkpoint of your "
			"verified copy: `parley verify-disclosure FILE` checks offline that every party of the session "
			"endorsed exactly this text.",
	 .vf = V(CONN, "out"), .bf = NOFLAGS, .opts = O({"out", "FILE", "where to write it (required)"}),
	 .docs = DOC_CONN, .examples = "parley outcome export 24 --out minutes-24.outcome",
	 .exits = "1 when the file cannot be made (not a reader, not an outcome)", .section = S_WORK},
	{.name = "session show", .run = cmd_session_show, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "one session: answers, cancellation, outcomes and positions, its thread",
	 .synopsis = "session show SESSION [--old-key FILE]... [--now TIME] [--json] [--log DIR]",
	 .description = "Shows session SESSION: its window, agenda and format (opened with your key when sealed to you), each "
			"participant's answer or silence at --now, who cancelled citing what, when it was held, its outcomes "
			"with each party's position, and the thread with its reasons.",
	 .vf = V(CONN, "log", "now", "old-key"), .bf = V("json"), .opts = O({"old-key", "FILE", "an earlier key of your party, to open what was sealed to it (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW, .examples = "parley session show 20",
	 .exits = "1 when a statement of the thread does not verify", .section = S_WORK},
	{.name = "sessions", .run = cmd_sessions, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER, .summary = "list consultation sessions",
	 .synopsis = "sessions [--party P] [--state proposed|accepted|held|cancelled] [--limit N] [--offset N] [--json] [--log DIR]",
	 .description = "Lists the sessions, newest activity first, with who cancelled them.",
	 .vf = V(CONN, "log", "now", "limit", "offset", "party", "state"), .bf = V("json"),
	 .opts = O({"party", "P", "only sessions the party proposed or takes part in"}, {"state", "STATE", "only sessions in that state"}),
	 .docs = DOC_CONN | DOC_JSON | DOC_LOCAL | DOC_NOW | DOC_PAGE, .examples = "parley sessions --state cancelled",
	 .section = S_WORK},
	{.name = "reindex", .run = cmd_reindex, .summary = "rebuild the workflow index from the log",
	 .synopsis = "reindex DIR [--verify] [--dump]\nreindex DIR --dump-only",
	 .description = "Rebuilds DIR/private/index.db from the log in DIR (the server must be stopped).",
	 .vf = NOFLAGS, .bf = V("verify", "dump", "dump-only"),
	 .opts = O({"verify", NULL, "check every signature again"},
		   {"dump", NULL, "print the index's canonical content afterwards"},
		   {"dump-only", NULL, "print the current index's content without rebuilding"}),
	 .examples = "parley reindex wg --verify", .section = S_WORK},

	/* ---- evidence ---- */
	{.name = "evidence", .summary = "evidence packages: add and fetch", .section = S_EVIDENCE},
	{.name = "evidence add", .run = cmd_evidence_add, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "seal a package to its recipients, upload it, record it",
	 .synopsis = "evidence add CASE PACKAGE_DIR --title T --tlp LABEL [--to PARTY]... [--reproduce TEXT] [--wait] "
		     "[--json]",
	 .description = "Seals every file of the package to the recipients (the parties named with --to, and you), "
			"uploads the sealed blobs and records an evidence statement in case CASE, its title, --reproduce "
			"text, counts and the index's digest sealed to the same readers. TLP:CLEAR needs no --to and "
			"is uploaded and described in clear. Progress goes to standard error when it is a terminal.",
	 .vf = V(CONN, SIGN, "title", "tlp", "to", "reproduce"), .bf = V("wait", "json"),
	 .opts = O({"title", "T", "what the package is (required)"}, {"tlp", "LABEL", TLP_TEXT},
		   {"to", "PARTY", "a recipient (repeatable)"},
		   {"reproduce", "TEXT", "how to reproduce, for the recipients"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley evidence add 4 pkg --title \"GREYHERON indicators\" --tlp TLP:AMBER --to cert.b --wait",
	 .exits = "4 when the server refuses the statement or a blob", .section = S_EVIDENCE},
	{.name = "evidence fetch", .run = cmd_evidence_fetch, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "download, open and check a package, or a finding's report",
	 .synopsis = "evidence fetch EVIDENCE|FINDING --out DIR [--old-key FILE]... [--json]",
	 .description = "Downloads the package recorded at entry EVIDENCE, opens it with your key and checks every "
			"file against its manifest, into DIR. Given a FINDING, downloads and opens its report into "
			"DIR/report.json. A package sealed to you before you rotated your key opens with that older "
			"key: give it with --old-key (your current --key still signs the download).",
	 .vf = V(CONN, "out", "old-key"), .bf = V("json"),
	 .opts = O({"out", "DIR", "where to write the package or the report (required; must not exist)"},
		   {"old-key", "FILE", "a secret key your party had before a rotation (repeatable)"}),
	 .docs = DOC_CONN | DOC_JSON,
	 .examples = "parley evidence fetch 9 --out fetched\n"
		     "parley evidence fetch 12 --out finding-12          # a finding's report\n"
		     "parley evidence fetch 9 --out fetched --old-key cert-a.2025.key",
	 .exits = "1 when a file or the statement does not check, or you are not a recipient, or none of your keys "
		  "opens it",
	 .section = S_EVIDENCE},
	{.name = "finding", .run = cmd_finding, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "record what reproducing evidence showed",
	 .synopsis = "finding EVIDENCE --result reproduced|not_reproduced|inconclusive --summary TEXT --report FILE "
		     "--tlp LABEL [--to PARTY]...",
	 .description = "Records a signed finding on the evidence at entry EVIDENCE, with the report as a blob "
			"sealed to the recipients (and you). `parley reproduce --sign` does this for you.",
	 .vf = V(CONN, SIGN, "result", "summary", "report", "tlp", "to"), .bf = V("wait", "json"),
	 .opts = O({"result", "RESULT", "reproduced, not_reproduced or inconclusive (required)"},
		   {"summary", "TEXT", "one paragraph (required)"},
		   {"report", "FILE", "the report, uploaded as a sealed blob (required)"}, {"tlp", "LABEL", TLP_TEXT},
		   {"to", "PARTY", "a recipient (repeatable)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley finding 9 --result reproduced --summary \"3 hosts\" --report r.json --tlp TLP:AMBER --to cert.a",
	 .exits = "4 when the server refuses the statement or the blob", .section = S_EVIDENCE},
	{.name = "reproduce", .run = cmd_reproduce, .needs = CLI_NEEDS_CONFIG | CLI_NEEDS_SERVER,
	 .summary = "run a package's indicators and rules on your own data",
	 .synopsis = "reproduce PACKAGE_DIR [--files DIR]... [--pcap FILE]... [--threads N] [--json] [--out REPORT.json]\n"
		     "reproduce PACKAGE_DIR --files DIR... --sign EVIDENCE --tlp LABEL [--to PARTY]... [--wait]\n"
		     "reproduce PACKAGE_DIR --check-claim [--json]",
	 .description = "Runs the package's STIX indicators and YARA rules on your own files and captures and says, "
			"for each, where it matched or that it did not. --check-claim runs them on the package's own "
			"datasets and checks that the hits are exactly the claimed ones. --sign records the report "
			"as a finding on the evidence at entry EVIDENCE. Progress goes to standard error when it is a "
			"terminal (and --json is not given).",
	 .vf = V(CONN, SIGN, "files", "pcap", "threads", "out", "sign", "tlp", "to"), .bf = V("check-claim", "json", "wait"),
	 .opts = O({"files", "DIR", "a directory of your files to scan (repeatable)"},
		   {"pcap", "FILE", "a pcap or pcapng capture to search (repeatable)"},
		   {"threads", "N", "scanning threads (default: one per core)"},
		   {"out", "REPORT.json", "also write the report as JSON to REPORT.json"},
		   {"check-claim", NULL, "run on the package's own datasets and compare with its claimed hits"},
		   {"sign", "EVIDENCE", "record the report as a finding on entry EVIDENCE (needs --tlp)"},
		   {"tlp", "LABEL", TLP_TEXT}, {"to", "PARTY", "with --sign: a recipient (repeatable)"}),
	 .docs = DOC_CONN | DOC_SIGN | DOC_JSON,
	 .examples = "parley reproduce fetched --check-claim\n"
		     "parley reproduce fetched --files /srv/files --pcap capture.pcap --sign 9 --tlp TLP:AMBER --to cert.a",
	 .exits = "1 when --check-claim finds hits other than the claimed ones; 4 when the server refuses the finding",
	 .section = S_EVIDENCE},

	/* ---- other ---- */
	{.name = "config", .run = cmd_config, .needs = CLI_NEEDS_CONFIG,
	 .summary = "show the configuration in effect and where each setting comes from",
	 .synopsis = "config [--json] [--server URL] [--vkey VKEY] [--key FILE] [--passphrase-file FILE] "
		     "[--witness-key WKEY]... [--quorum K]",
	 .description = "Prints each setting's effective value and its source: a flag, an environment variable or "
			"the configuration file (with its line). Flags on the command line override the environment, "
			"which overrides the file; each setting applies only to the commands that take that flag. "
			"The file is $PARLEY_CONFIG if set (it must exist), else $XDG_CONFIG_HOME/parley/config, else "
			"~/.config/parley/config (a missing default file is no configuration). It holds \"name = "
			"value\" lines, \"#\" comment lines and blank lines; the names are server, vkey, key, "
			"passphrase-file, witness-key (repeatable) and quorum. Relative paths in it are relative to "
			"its directory.",
	 .vf = V(CONN), .bf = V("json"), .opts = NOOPTS, .docs = DOC_CONN | DOC_JSON,
	 .examples = "parley config\nPARLEY_CONFIG=wg.conf parley config --json", .section = S_OTHER},
	{.name = "help", .run = cmd_help, .needs = CLI_RAW_ARGS, .summary = "show the commands, or one command's help",
	 .synopsis = "help [COMMAND [SUBCOMMAND]]\nhelp --man [COMMAND [SUBCOMMAND]]",
	 .description = "Without COMMAND, lists the commands. `parley COMMAND --help` prints the same as `parley "
			"help COMMAND`. --man prints the manual page (roff) instead.",
	 .vf = NOFLAGS, .bf = V("man"), .opts = O({"man", NULL, "print the manual page in roff"}),
	 .examples = "parley help log audit\nparley help --man inbox | man -l -", .section = S_OTHER},
	{.name = "version", .run = cmd_version,
	 .summary = "print the version", .synopsis = "version", .description = "Prints \"parley VERSION\".",
	 .vf = NOFLAGS, .bf = NOFLAGS, .opts = NOOPTS, .examples = "parley version", .section = S_OTHER},
};

const cli_table cli_commands = {CMDS, sizeof CMDS / sizeof CMDS[0]};
