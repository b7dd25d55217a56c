package lenient

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The room around a streamed list is shared by all that is outside its
// elements: a member that would fit the limit alone is refused once what
// came before leaves less, as soon as it passes the room left, without
// reading on (here, into a reader that fails).
func TestWalkSharesTheRoomAroundTheList(t *testing.T) {
	t.Parallel()
	// 58 bytes before mac's value, which passes the 6 left at its 7th.
	head := `{"esito":"` + strings.Repeat("b", 40) + `","mac":"` + strings.Repeat("c", 30)
	_, err := Walk(io.MultiReader(strings.NewReader(head), errReader{}), 64, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
	assert.ErrorIs(t, err, ErrTooLarge)

	// And once the list has been read, what follows it has the room left.
	head = `{"esito":"` + strings.Repeat("b", 40) + `","voci":[{"nome":"` + strings.Repeat("a", 40) + `"}],"mac":"` + strings.Repeat("c", 20)
	var elements int
	_, err = Walk(io.MultiReader(strings.NewReader(head), errReader{}), 64, KeyOf[decodeItem]("Items"), func([]byte) error { elements++; return nil })
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Equal(t, 1, elements, "the element has a limit of its own")
}

// The list's key is read by its text: escaped, it is the list still, and
// a second spelling of it is a second list.
func TestWalkReadsTheListKeyByItsText(t *testing.T) {
	t.Parallel()
	var got []string
	env, err := Walk(strings.NewReader(`{"v\u006fci":[{"nome":"a"}],"esito":"OK"}`), 1<<20, KeyOf[decodeItem]("Items"), func(raw []byte) error {
		got = append(got, string(raw))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{`{"nome":"a"}`}, got)
	assert.JSONEq(t, `{"esito":"OK"}`, string(env))
	_, err = Walk(strings.NewReader(`{"voci":[],"v\u006fci":[]}`), 1<<20, KeyOf[decodeItem]("Items"), func([]byte) error { return nil })
	assert.ErrorIs(t, err, ErrDuplicateKey)
}
