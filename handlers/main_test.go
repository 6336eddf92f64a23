package handlers_test

import (
	"os"
	"testing"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/store/storetest"
)

// TestMain runs the package's tests on SQLite and again on PostgreSQL (storetest.Lanes). The
// PostgreSQL lane reruns the scenarios that reach the store: chat, moderation, goals, the
// member's data and privacy, notifications, logins and sessions, the authorization matrix
// (every route) and the cluster; pages that only render what those read run once.
func TestMain(m *testing.M) {
	storetest.Prepare(store.MigratePostgres)
	os.Exit(storetest.Lanes(m, postgresScenarios))
}

const postgresScenarios = `^Test(Chat|Moderation|Goal|Cluster|Account|Export|Privacy|Retention|Notification|Mention|Unread|Member|Login|Session|Authorization|First|Message|Group|Healthz)`
