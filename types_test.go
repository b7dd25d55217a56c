package xpay

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDateRendering(t *testing.T) {
	t.Parallel()
	d := Date{2024, time.June, 1}
	assert.Equal(t, "01/06/2024", d.String())
	assert.Equal(t, "", Date{}.String())
	assert.True(t, d.valid())
	assert.False(t, Date{2024, time.February, 30}.valid())
	assert.False(t, Date{24, time.June, 1}.valid(), "the year must have four digits")
	assert.Equal(t, d, DateOf(time.Date(2024, 6, 1, 23, 59, 0, 0, time.UTC)))

	dt := DateTime{2024, time.June, 16, 9, 5, 7}
	assert.Equal(t, "16/06/2024 09:05:07", dt.String())
	assert.True(t, dt.valid())
	assert.False(t, DateTime{2024, time.June, 16, 24, 0, 0}.valid())
	assert.Equal(t, dt, DateTimeOf(time.Date(2024, 6, 16, 9, 5, 7, 999, time.UTC)))

	r := DateRange{From: d, To: Date{2024, time.June, 17}}
	assert.Equal(t, "01/06/2024 - 17/06/2024", r.String())

	b, err := json.Marshal(struct {
		R  DateRange `json:"periodo"`
		D  Date      `json:"refDate,omitzero"`
		DT DateTime  `json:"da"`
		Z  DateTime  `json:"a"`
	}{R: r, DT: dt})
	require.NoError(t, err)
	assert.JSONEq(t, `{"periodo":"01/06/2024 - 17/06/2024","da":"16/06/2024 09:05:07","a":""}`, string(b))
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	var ts Timestamp
	require.NoError(t, json.Unmarshal([]byte(`"1718611201117"`), &ts))
	assert.Equal(t, Timestamp("1718611201117"), ts)
	require.NoError(t, json.Unmarshal([]byte(`1718611201117`), &ts))
	when, err := ts.Time()
	require.NoError(t, err)
	assert.Equal(t, int64(1718611201117), when.UnixMilli())
	assert.Error(t, json.Unmarshal([]byte(`{}`), &ts))
	_, err = Timestamp("oggi").Time()
	assert.Error(t, err)
}
