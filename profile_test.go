package xpay_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xpaygo/xpay"
)

// profileOpCases is the row of GetProfileInfo in the table every operation passes
// (TestOperations).
func profileOpCases() []opCase {
	return []opCase{
		{
			name: "GetProfileInfo", uri: "ecomm/api/profileInfo",
			call: call((*xpay.Client).GetProfileInfo, xpay.GetProfileInfoRequest{}),
			// The platform fields are sent, with their defaults, and not signed.
			body: body(macNoFields, `"platform":"custom","platformVers":"0","pluginVers":"0"`),
			ok:   "profileInfo-ok.json", ko: "profileInfo-ko.json", koCode: xpay.CodeInvalidParameter, koMessage: "Parametro non valido: platform",
			checkOK: func(t *testing.T, res any) {
				r := res.(*xpay.GetProfileInfoResponse)
				require.Len(t, r.Methods, 2)
				assert.Equal(t, xpay.PaymentMethod{Code: "VISA", Description: "Visa", SelectedCard: "VISA",
					Image: "https://ecommerce.nexi.it/ecomm/resources/images/visa.png", Type: "CC", Recurring: "Y"}, r.Methods[0])
				assert.Equal(t, "APM", r.Methods[1].Type)
				assert.Contains(t, r.LogoSmallURL, "240x60")
			},
			invalid: []invalidCase{
				{"platform with a newline", call((*xpay.Client).GetProfileInfo, xpay.GetProfileInfoRequest{Platform: "shop\n"}), "Platform", "platform"},
			},
		},
	}
}
