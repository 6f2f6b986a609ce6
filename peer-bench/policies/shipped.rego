# The shipped rules (rules/*.cov) for Rego, as consolidated with the shipped assumptions:
# amazon_signing = 2026-02-27, azure_lead = 0 days, agi_declared never recorded.
#
# input = {"action": "deploy"|"launch"|"license", "product": P, "cloud": C | "party": Q,
#          "date": "YYYY-MM-DD"}; ISO days order correctly as strings.
# data.products[P] = {"owner": ..., "tags": [...]}; data.azure_launch[P], data.ms_declined[P].
package contracts

import rego.v1

default allow := false

allow if not deny

deny if azure_only
deny if frontier_on_aws
deny if azure_first
deny if ip

product := data.products[input.product]

placement if input.action in {"deploy", "launch"}

# msft_openai.azure_only
azure_only if {
	placement
	input.date >= "2019-07-22"
	input.date < "2026-04-27"
	product.owner == "openai"
	"api" in product.tags
	input.cloud != "azure"
}

# amazon_openai.frontier_on_aws
frontier_on_aws if {
	placement
	input.product == "frontier"
	input.date >= "2026-02-27"
	input.cloud != "aws"
}

# msft_openai.azure_first
azure_first if {
	placement
	input.date >= "2026-04-27"
	product.owner == "openai"
	input.cloud != "azure"
	not launched_on_azure
	not declined_by_microsoft
}

launched_on_azure if data.azure_launch[input.product] <= input.date

declined_by_microsoft if data.ms_declined[input.product] <= input.date

# msft_openai.ip (exclusive until 2026-04-27)
ip if {
	input.action == "license"
	input.date >= "2019-07-22"
	input.date < "2026-04-27"
	product.owner == "openai"
	input.party != "microsoft"
	input.party != "openai"
}
