/*
 * cmds.h - the commands of parley, each run by the dispatcher with its row of
 * the command table (commands.c) and its parsed arguments. Each returns the
 * exit status (cli.h). `parley help` and `parley version` are in help.h,
 * `parley config` in config.h.
 */
#ifndef PARLEY_CLI_CMDS_H
#define PARLEY_CLI_CMDS_H

#include <stdbool.h>

#include "base/buf.h"
#include "cli/config.h"
#include "cli/help.h"
#include "cli/table.h"

/* cmd_log.c */
int cmd_log_init(const cli_call *call);
int cmd_log_add(const cli_call *call);
int cmd_log_prove(const cli_call *call);
int cmd_log_verify_proof(const cli_call *call);
int cmd_log_audit(const cli_call *call);

/* cmd_member.c */
int cmd_keygen(const cli_call *call);
int cmd_init(const cli_call *call);

/* cmd_serve.c */
int cmd_serve(const cli_call *call);

/* cmd_client.c */
int cmd_submit(const cli_call *call);
int cmd_get(const cli_call *call);
int cmd_proof(const cli_call *call);
int cmd_verify_proof(const cli_call *call);
int cmd_enroll(const cli_call *call);
int cmd_key_rotate(const cli_call *call);
int cmd_key_revoke(const cli_call *call);
int cmd_contact(const cli_call *call);
int cmd_members_rekey(const cli_call *call);
int cmd_members_list(const cli_call *call);
int cmd_share(const cli_call *call);
int cmd_blob_put(const cli_call *call);
int cmd_blob_get(const cli_call *call);

/* cmd_accept.c: verify-proof given a kept acceptance (client/accepted.h) */
/* Whether file holds an acceptance (a JSON object) rather than a proof file. */
bool cli_is_acceptance(const pl_buf *file);
/* Checks the acceptance in file (read from name) under pol: offline, and with --log against the log
 * (--evidence FILE keeps the log's proof when it broke its word). Returns the exit status. */
int cmd_verify_acceptance(const cli_call *call, const char *name, const pl_buf *file, const struct pl_policy *pol);

/* cmd_witness.c */
int cmd_witness_init(const cli_call *call);
int cmd_witness_add_log(const cli_call *call);
int cmd_witness_serve(const cli_call *call);
int cmd_verify_fork(const cli_call *call);

/* cmd_monitor.c */
int cmd_monitor(const cli_call *call);

/* cmd_workflow.c */
int cmd_ping(const cli_call *call);
int cmd_pong(const cli_call *call);
int cmd_concern_raise(const cli_call *call);
int cmd_request(const cli_call *call);
int cmd_ack(const cli_call *call);
int cmd_respond(const cli_call *call);
int cmd_status(const cli_call *call);
int cmd_withdraw(const cli_call *call);
int cmd_close(const cli_call *call);
int cmd_norms_subscribe(const cli_call *call);
int cmd_norms_withdraw(const cli_call *call);
int cmd_norms_publish(const cli_call *call);

/* cmd_views.c */
int cmd_inbox(const cli_call *call);
int cmd_cases(const cli_call *call);
int cmd_case_show(const cli_call *call);
int cmd_group_propose(const cli_call *call);
int cmd_group_answer(const cli_call *call);
int cmd_group_leave(const cli_call *call);
int cmd_group_dissolve(const cli_call *call);
int cmd_group_show(const cli_call *call);
int cmd_groups(const cli_call *call);
int cmd_session_propose(const cli_call *call);
int cmd_session_answer(const cli_call *call);
int cmd_session_reschedule(const cli_call *call);
int cmd_session_cancel(const cli_call *call);
int cmd_session_held(const cli_call *call);
int cmd_session_outcome(const cli_call *call);
int cmd_outcome_endorse(const cli_call *call);
int cmd_outcome_export(const cli_call *call);
int cmd_session_show(const cli_call *call);
int cmd_sessions(const cli_call *call);
int cmd_norms_list(const cli_call *call);
int cmd_norms_show(const cli_call *call);
int cmd_report(const cli_call *call);
int cmd_reindex(const cli_call *call);

/* cmd_evidence.c */
int cmd_evidence_add(const cli_call *call);
int cmd_evidence_fetch(const cli_call *call);
int cmd_finding(const cli_call *call);
int cmd_reproduce(const cli_call *call);

/* cmd_disclose.c */
int cmd_disclose(const cli_call *call);
int cmd_prove(const cli_call *call);
int cmd_verify_disclosure(const cli_call *call);

#endif
