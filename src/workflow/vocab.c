/* vocab.c - the workflow's closed vocabularies (see ../shared/reference and docs/workflow.md). */
#include "workflow/vocab.h"

#include <stddef.h>
#include <string.h>

/* RSIT v1003: each class followed by its types, classes separated by NULL. */
static const char *const rsit[] = {
	"abusive-content", "spam", "harmful-speech", "violence", NULL,
	"malicious-code", "infected-system", "c2-server", "malware-distribution", "malware-configuration", NULL,
	"information-gathering", "scanner", "sniffing", "social-engineering", NULL,
	"intrusion-attempts", "ids-alert", "brute-force", "exploit", NULL,
	"intrusions", "privileged-account-compromise", "unprivileged-account-compromise", "application-compromise",
	"system-compromise", "burglary", NULL,
	"availability", "dos", "ddos", "misconfiguration", "sabotage", "outage", NULL,
	"information-content-security", "unauthorised-information-access", "unauthorised-information-modification",
	"data-loss", "data-leak", NULL,
	"fraud", "unauthorised-use-of-resources", "copyright", "masquerade", "phishing", NULL,
	"vulnerable", "weak-crypto", "ddos-amplifier", "potentially-unwanted-accessible", "information-disclosure",
	"vulnerable-system", NULL,
	"other", "other", "undetermined", NULL,
	"test", "test", NULL,
};

/* Position of class cls in rsit, or SIZE_MAX. */
static size_t class_at(const char *cls)
{
	size_t n = sizeof rsit / sizeof rsit[0];
	for (size_t i = 0; i < n;) {
		if (strcmp(rsit[i], cls) == 0)
			return i;
		while (i < n && rsit[i] != NULL)
			i++;
		i++;
	}
	return (size_t)-1;
}

const char *pl_rsit_class(const char *cls)
{
	size_t i = class_at(cls);
	return i == (size_t)-1 ? NULL : rsit[i];
}

const char *pl_rsit_type(const char *cls, const char *type)
{
	size_t i = class_at(cls);
	if (i == (size_t)-1)
		return NULL;
	for (i++; rsit[i] != NULL; i++)
		if (strcmp(rsit[i], type) == 0)
			return rsit[i];
	return NULL;
}

int pl_vocab_find(const char *const *list, const char *s)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

const char *const pl_tlp_labels[] = {"TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR", NULL};
const char *const pl_request_kinds[] = {"information",  "evidence",     "assistance", "mitigation",
					"preservation", "consultation", NULL};
const char *const pl_response_statuses[] = {"granted", "partly_granted", "postponed", "refused", NULL};
const char *const pl_status_kinds[] = {"query", "update", NULL};
const char *const pl_case_outcomes[] = {"resolved", "partly_resolved", "unresolved", "no_longer_required", NULL};
const char *const pl_finding_results[] = {"reproduced", "not_reproduced", "inconclusive", NULL};
const char *const pl_group_kinds[] = {"bilateral", "multilateral", NULL};
const char *const pl_group_answers[] = {"accept", "decline", NULL};
const char *const pl_session_formats[] = {"in_person", "virtual", "written", NULL};
const char *const pl_outcome_kinds[] = {"minutes", "joint_statement", NULL};
const char *const pl_positions[] = {"endorse", "dissent", NULL};

bool pl_tlp_sealed(const char *label)
{
	return pl_vocab_find(pl_tlp_labels, label) != PL_TLP_CLEAR;
}
