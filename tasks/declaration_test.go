package tasks_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/alex-advisor/alex"
	"github.com/alex-advisor/alex/tasks"
)

// A stage declared in alex.Stages without a function would leave every job
// waiting on it; a function without a declaration would never be queued.
func TestEveryDeclaredStageHasAFunction(t *testing.T) {
	funcs := slices.Sorted(maps.Keys((&tasks.Analysis{}).Stages()))
	assert.Equal(t, slices.Sorted(slices.Values(alex.StageNames())), funcs)
}

// The stage that finishes a job, and a stage queued again, go before new
// work.
func TestQueueForPutsFinishingAndRequeuedStagesFirst(t *testing.T) {
	assert.Equal(t, tasks.QueueCritical, tasks.QueueFor("summary", "job:summary"))
	assert.Equal(t, tasks.QueueDefault, tasks.QueueFor("planner", "job:planner"))
	assert.Equal(t, tasks.QueueCritical, tasks.QueueFor("charter", "job:charter:r1"))
}
