/*
 * vocab.h - the closed vocabularies of the workflow (docs/workflow.md):
 * ENISA/TF-CSIRT RSIT incident classes and types (machine values, v1003),
 * FIRST TLP 2.0 labels, request kinds, response statuses, status kinds and
 * case outcomes. Lookups are exact, case-sensitive string matches.
 */
#ifndef PARLEY_WORKFLOW_VOCAB_H
#define PARLEY_WORKFLOW_VOCAB_H

#include <stdbool.h>

/* The vocabulary's own copy of RSIT class cls (static storage), or NULL if it is not one. */
const char *pl_rsit_class(const char *cls);

/* The vocabulary's copy of type if it is an RSIT type of class cls, else NULL. */
const char *pl_rsit_type(const char *cls, const char *type);

/* Index of s in the NULL-terminated list, or -1. */
int pl_vocab_find(const char *const *list, const char *s);

/* False only for TLP:CLEAR: material under any other TLP label goes to named recipients, sealed to them
 * (docs/evidence.md; admission refuses it otherwise: recipients_missing, encryption_required). */
bool pl_tlp_sealed(const char *label);

/* The lists (NULL-terminated); an enum value is its position. */
extern const char *const pl_tlp_labels[];      /* TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, TLP:GREEN, TLP:CLEAR */
extern const char *const pl_request_kinds[];   /* information, evidence, assistance, mitigation, preservation, consultation */
extern const char *const pl_response_statuses[]; /* granted, partly_granted, postponed, refused */
extern const char *const pl_status_kinds[];    /* query, update */
extern const char *const pl_case_outcomes[];   /* resolved, partly_resolved, unresolved, no_longer_required */
extern const char *const pl_finding_results[]; /* reproduced, not_reproduced, inconclusive */
extern const char *const pl_group_kinds[];     /* bilateral, multilateral */
extern const char *const pl_group_answers[];   /* accept, decline */
enum { PL_GROUP_BILATERAL, PL_GROUP_MULTILATERAL };
enum { PL_ANSWER_ACCEPT, PL_ANSWER_DECLINE };
extern const char *const pl_session_formats[];  /* in_person, virtual, written */
extern const char *const pl_outcome_kinds[];    /* minutes, joint_statement */
extern const char *const pl_positions[];        /* endorse, dissent */
enum { PL_POSITION_ENDORSE, PL_POSITION_DISSENT };

enum { PL_TLP_RED, PL_TLP_AMBER_STRICT, PL_TLP_AMBER, PL_TLP_GREEN, PL_TLP_CLEAR };
enum { PL_KIND_INFORMATION, PL_KIND_EVIDENCE, PL_KIND_ASSISTANCE, PL_KIND_MITIGATION, PL_KIND_PRESERVATION,
       PL_KIND_CONSULTATION };
enum { PL_RESP_GRANTED, PL_RESP_PARTLY, PL_RESP_POSTPONED, PL_RESP_REFUSED };
enum { PL_STATUS_QUERY, PL_STATUS_UPDATE };

#endif
