/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fixtures.h - the harness fixtures the nsdevtmpfs selftests share
 *
 * Include after kselftest_harness.h. A test binary that includes this file
 * registers the fixtures whether or not it uses them; a fixture without a
 * TEST_F() adds nothing to the plan, but newer harnesses make its setup
 * and teardown static functions that nothing calls: -Wunused-function is
 * off for them alone.
 *
 * The recurring setup of the isolation tests is two sibling user namespaces,
 * A and B, children of the initial one, each with its own mount namespace
 * and its view mounted on VIEW: the "two_ns" fixture. Tests that need the
 * namespace made by an unprivileged user (uid 1000 -> namespace root, the
 * threat model's attacker) start one with their own helpers. "one_ns" is
 * the same with A alone.
 */
#ifndef _NSDEV_SELFTEST_FIXTURES_H
#define _NSDEV_SELFTEST_FIXTURES_H

#include "helpers.h"

/* A negative errno as text, for TH_LOG(); "no error" for 0 or more. */
static inline const char *errstr(int ret)
{
	return ret < 0 ? strerror(-ret) : "no error";
}

/**
 * ns_start_with_view - start a namespace child and mount its view on VIEW
 * @_metadata: the running test (the ASSERTs end it on failure)
 * @c:         filled in
 * @name:      "A", "B", ... for the log
 */
static inline void ns_start_with_view(struct __test_metadata *_metadata,
				      struct nschild *c, const char *name)
{
	int ret;

	ensure_view_dir();
	ret = nschild_start(c, CHILD_ID_BASE, CHILD_ID_COUNT);
	ASSERT_EQ(0, ret) {
		TH_LOG("start namespace %s: %s", name, errstr(ret));
	}
	ret = nschild_call(c, ns_mount_view, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s mounts its view on " VIEW ": %s", name, errstr(ret));
	}
}

/* Stop @c unless the test did (or it never started). */
static inline void ns_stop_quietly(struct nschild *c)
{
	if (c->pid > 0)
		nschild_stop(c);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

/**
 * FIXTURE(one_ns) - one namespace A, a child of the initial one, with its view
 * @a: namespace A, root mapped to CHILD_ID_BASE outside
 */
FIXTURE(one_ns) {
	struct nschild a;
};

FIXTURE_SETUP(one_ns)
{
	self->a.pid = -1;
	ns_start_with_view(_metadata, &self->a, "A");
}

FIXTURE_TEARDOWN(one_ns)
{
	ns_stop_quietly(&self->a);
}

/**
 * FIXTURE(two_ns) - sibling namespaces A and B, each with its view mounted
 * @a: namespace A, root mapped to CHILD_ID_BASE outside
 * @b: namespace B, mapped the same way (a different namespace all the same)
 *
 * A test may stop either early (nschild_stop()) to see what its death does;
 * the teardown stops what is left.
 */
FIXTURE(two_ns) {
	struct nschild a;
	struct nschild b;
};

FIXTURE_SETUP(two_ns)
{
	self->a.pid = -1;
	self->b.pid = -1;
	ns_start_with_view(_metadata, &self->a, "A");
	ns_start_with_view(_metadata, &self->b, "B");
}

FIXTURE_TEARDOWN(two_ns)
{
	ns_stop_quietly(&self->a);
	ns_stop_quietly(&self->b);
}

#pragma GCC diagnostic pop

#endif /* _NSDEV_SELFTEST_FIXTURES_H */
