package xpay

import (
	"context"
	"encoding/json"

	"github.com/xpaygo/xpay/internal/lenient"
)

var opGetProfileInfo = operation{name: "GetProfileInfo", path: "ecomm/api/profileInfo"}

// GetProfileInfoRequest asks which payment methods the alias has enabled
// (profileInfo). XPay takes the name and versions of the software that
// calls it, for its statistics: empty fields are sent as Nexi says to for
// software that is no e-commerce platform's plugin ("custom", "0", "0").
type GetProfileInfoRequest struct {
	Platform        string `json:"platform"`     // e.g. "woocommerce"; "custom" when empty
	PlatformVersion string `json:"platformVers"` // "0" when empty
	PluginVersion   string `json:"pluginVers"`   // "0" when empty
}

// MarshalJSON writes the request with its defaults filled in.
func (r *GetProfileInfoRequest) MarshalJSON() ([]byte, error) {
	type wire GetProfileInfoRequest
	w := wire(*r)
	if w.Platform == "" {
		w.Platform = "custom"
	}
	if w.PlatformVersion == "" {
		w.PlatformVersion = "0"
	}
	if w.PluginVersion == "" {
		w.PluginVersion = "0"
	}
	return json.Marshal(w)
}

// macFields: apiKey, timeStamp. The platform fields are not signed.
func (r *GetProfileInfoRequest) macFields(apiKey, timeStamp Field) []Field {
	return []Field{apiKey, timeStamp}
}

func (r *GetProfileInfoRequest) validate() error {
	return firstError(
		checkOptionalCode("Platform", "platform", r.Platform, 30),
		checkOptionalCode("PlatformVersion", "platformVers", r.PlatformVersion, 30),
		checkOptionalCode("PluginVersion", "pluginVers", r.PluginVersion, 30),
	)
}

// GetProfileInfoResponse is the answer of profileInfo: the payment
// methods enabled for the alias, and Nexi's logos.
type GetProfileInfoResponse struct {
	Response
	Methods      []PaymentMethod `json:"availableMethods"`
	LogoSmallURL string          `json:"urlLogoNexiSmall"` // 240×60
	LogoLargeURL string          `json:"urlLogoNexiLarge"` // 480×120
}

// PaymentMethod is one payment method enabled for the alias.
// It decodes by the rules under “Decoding answers” in the package
// documentation.
type PaymentMethod struct {
	Code         string `json:"code"`
	Description  string `json:"description"`
	SelectedCard string `json:"selectedcard"` // the payment page's selectedcard, to open this method directly
	Image        string `json:"image"`        // the method's logo
	Type         string `json:"type"`         // "CC" (a card circuit) or "APM" (an alternative method)
	Recurring    string `json:"recurring"`    // "Y" when recurring payments can use it

	Extra map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently, by the rules under “Decoding answers”
// in the package documentation (go doc github.com/xpaygo/xpay).
func (m *PaymentMethod) UnmarshalJSON(b []byte) error { return lenient.Unmarshal(b, m) }

// GetProfileInfo returns the payment methods enabled for the alias
// (profileInfo), as Nexi's e-commerce plugins read them to show the
// payment choices.
//
// It is a read.
func (c *Client) GetProfileInfo(ctx context.Context, req *GetProfileInfoRequest) (*GetProfileInfoResponse, error) {
	return invoke[GetProfileInfoResponse](ctx, c, &opGetProfileInfo, req)
}
