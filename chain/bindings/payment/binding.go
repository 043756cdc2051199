// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package payment

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// InferencePaymentCompletion is an auto generated low-level Go binding around an user-defined struct.
type InferencePaymentCompletion struct {
	RequestId     [32]byte
	ResultHash    [32]byte
	ExecMillis    uint64
	ComputeSig    []byte
	ValidatorSigs [][]byte
}

// InferencePaymentPaymentTree is an auto generated low-level Go binding around an user-defined struct.
type InferencePaymentPaymentTree struct {
	ComputeNode     common.Address
	ComputeAmount   *big.Int
	Gateway         common.Address
	GatewayAmount   *big.Int
	ValidatorAmount *big.Int
	TreasuryAmount  *big.Int
}

// InferencePaymentRequest is an auto generated low-level Go binding around an user-defined struct.
type InferencePaymentRequest struct {
	Client          common.Address
	ExpiresAt       uint64
	Status          uint8
	Gateway         common.Address
	GatewayAmount   *big.Int
	ComputeNode     common.Address
	ComputeAmount   *big.Int
	ValidatorAmount *big.Int
	TreasuryAmount  *big.Int
}

// InferencePaymentRequestParams is an auto generated low-level Go binding around an user-defined struct.
type InferencePaymentRequestParams struct {
	RequestId  [32]byte
	SubnetId   [32]byte
	ModelId    [32]byte
	ConfigHash [32]byte
	ExpiresAt  uint64
}

// InferencePaymentMetaData contains all meta data concerning the InferencePayment contract.
var InferencePaymentMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"token_\",\"type\":\"address\"},{\"internalType\":\"contractIValidatorSet\",\"name\":\"validators_\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"treasury_\",\"type\":\"address\"},{\"internalType\":\"uint8\",\"name\":\"quorum_\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"maxSigners_\",\"type\":\"uint8\"},{\"internalType\":\"uint64\",\"name\":\"maxRequestTTL_\",\"type\":\"uint64\"},{\"internalType\":\"address\",\"name\":\"owner_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"AmountTooLarge\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"recovered\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"}],\"name\":\"BadComputeSignature\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ECDSAInvalidSignature\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"length\",\"type\":\"uint256\"}],\"name\":\"ECDSAInvalidSignatureLength\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"s\",\"type\":\"bytes32\"}],\"name\":\"ECDSAInvalidSignatureS\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"EmptyBatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"},{\"internalType\":\"uint256\",\"name\":\"now_\",\"type\":\"uint256\"}],\"name\":\"InvalidExpiry\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint8\",\"name\":\"quorum\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"maxSigners\",\"type\":\"uint8\"}],\"name\":\"InvalidQuorum\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidShortString\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"NotActiveValidator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"gateway\",\"type\":\"address\"}],\"name\":\"NotGateway\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"}],\"name\":\"NotGatewayOrOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnableInvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"OwnableUnauthorizedAccount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ReentrancyGuardReentrantCall\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"RequestExists\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"}],\"name\":\"RequestExpired\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"}],\"name\":\"RequestNotExpired\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"enumInferencePayment.Status\",\"name\":\"status\",\"type\":\"uint8\"}],\"name\":\"RequestNotPending\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"SafeERC20FailedOperation\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"previous\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"SignersNotAscending\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"str\",\"type\":\"string\"}],\"name\":\"StringTooLong\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"count\",\"type\":\"uint256\"},{\"internalType\":\"uint8\",\"name\":\"quorum\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"maxSigners\",\"type\":\"uint8\"}],\"name\":\"WrongSignatureCount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAmount\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[],\"name\":\"EIP712DomainChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"resultHash\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"computeAmount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"gatewayAmount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"validatorShare\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"signers\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"treasuryAmount\",\"type\":\"uint256\"}],\"name\":\"InferenceRequestCompleted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"client\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"gateway\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"}],\"name\":\"InferenceRequestInitiated\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"client\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"enumInferencePayment.Status\",\"name\":\"reason\",\"type\":\"uint8\"}],\"name\":\"InferenceRequestRefunded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"ttl\",\"type\":\"uint64\"}],\"name\":\"MaxRequestTTLChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint8\",\"name\":\"quorum\",\"type\":\"uint8\"},{\"indexed\":false,\"internalType\":\"uint8\",\"name\":\"maxSigners\",\"type\":\"uint8\"}],\"name\":\"QuorumChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"treasury\",\"type\":\"address\"}],\"name\":\"TreasuryChanged\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"COMPLETION_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"COMPUTE_RESULT_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"PAYMENT_TREE_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"PREPROCESSING_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"resultHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"execMillis\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"computeSig\",\"type\":\"bytes\"},{\"internalType\":\"bytes[]\",\"name\":\"validatorSigs\",\"type\":\"bytes[]\"}],\"name\":\"completeInferenceRequest\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"resultHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"execMillis\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"computeSig\",\"type\":\"bytes\"},{\"internalType\":\"bytes[]\",\"name\":\"validatorSigs\",\"type\":\"bytes[]\"}],\"internalType\":\"structInferencePayment.Completion[]\",\"name\":\"items\",\"type\":\"tuple[]\"}],\"name\":\"completeInferenceRequests\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"resultHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"execMillis\",\"type\":\"uint64\"}],\"name\":\"completionDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"resultHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"execMillis\",\"type\":\"uint64\"}],\"name\":\"computeResultDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"domainSeparator\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"eip712Domain\",\"outputs\":[{\"internalType\":\"bytes1\",\"name\":\"fields\",\"type\":\"bytes1\"},{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"version\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"chainId\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"verifyingContract\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"salt\",\"type\":\"bytes32\"},{\"internalType\":\"uint256[]\",\"name\":\"extensions\",\"type\":\"uint256[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"getRequest\",\"outputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"client\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"},{\"internalType\":\"enumInferencePayment.Status\",\"name\":\"status\",\"type\":\"uint8\"},{\"internalType\":\"address\",\"name\":\"gateway\",\"type\":\"address\"},{\"internalType\":\"uint96\",\"name\":\"gatewayAmount\",\"type\":\"uint96\"},{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint96\",\"name\":\"computeAmount\",\"type\":\"uint96\"},{\"internalType\":\"uint96\",\"name\":\"validatorAmount\",\"type\":\"uint96\"},{\"internalType\":\"uint96\",\"name\":\"treasuryAmount\",\"type\":\"uint96\"}],\"internalType\":\"structInferencePayment.Request\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"handleExpiredRequest\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"subnetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"modelId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"}],\"internalType\":\"structInferencePayment.RequestParams\",\"name\":\"req\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"computeAmount\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"gateway\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"gatewayAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validatorAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"treasuryAmount\",\"type\":\"uint256\"}],\"internalType\":\"structInferencePayment.PaymentTree\",\"name\":\"tree\",\"type\":\"tuple\"},{\"internalType\":\"bytes[]\",\"name\":\"sigs\",\"type\":\"bytes[]\"}],\"name\":\"initiateInferenceRequest\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"subnetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"modelId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"}],\"internalType\":\"structInferencePayment.RequestParams\",\"name\":\"req\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"computeAmount\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"gateway\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"gatewayAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validatorAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"treasuryAmount\",\"type\":\"uint256\"}],\"internalType\":\"structInferencePayment.PaymentTree\",\"name\":\"tree\",\"type\":\"tuple\"},{\"internalType\":\"bytes[]\",\"name\":\"sigs\",\"type\":\"bytes[]\"},{\"internalType\":\"uint256\",\"name\":\"deadline\",\"type\":\"uint256\"},{\"internalType\":\"uint8\",\"name\":\"v\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"r\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"s\",\"type\":\"bytes32\"}],\"name\":\"initiateWithPermit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"markRequestFailed\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"maxRequestTTL\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"maxSigners\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"computeAmount\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"gateway\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"gatewayAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validatorAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"treasuryAmount\",\"type\":\"uint256\"}],\"internalType\":\"structInferencePayment.PaymentTree\",\"name\":\"tree\",\"type\":\"tuple\"}],\"name\":\"paymentTreeHash\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"subnetId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"modelId\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"configHash\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"expiresAt\",\"type\":\"uint64\"}],\"internalType\":\"structInferencePayment.RequestParams\",\"name\":\"req\",\"type\":\"tuple\"},{\"internalType\":\"address\",\"name\":\"client\",\"type\":\"address\"},{\"components\":[{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"computeAmount\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"gateway\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"gatewayAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validatorAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"treasuryAmount\",\"type\":\"uint256\"}],\"internalType\":\"structInferencePayment.PaymentTree\",\"name\":\"tree\",\"type\":\"tuple\"}],\"name\":\"preprocessingDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"quorum\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"ttl\",\"type\":\"uint64\"}],\"name\":\"setMaxRequestTTL\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint8\",\"name\":\"quorum_\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"maxSigners_\",\"type\":\"uint8\"}],\"name\":\"setQuorum\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"treasury_\",\"type\":\"address\"}],\"name\":\"setTreasury\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"token\",\"outputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"treasury\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"validators\",\"outputs\":[{\"internalType\":\"contractIValidatorSet\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "InferencePayment",
	Bin: "0x6101a0604052348015610010575f5ffd5b5060405161394e38038061394e83398101604081905261002f916103a5565b60408051808201825260038152622721a760e91b602080830191909152825180840190935260018352601960f91b90830152829161006d825f610208565b6101205261007c816001610208565b61014052815160208084019190912060e052815190820120610100524660a05261010860e05161010051604080517f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f60208201529081019290925260608201524660808201523060a08201525f9060c00160405160208183030381529060405280519060200120905090565b60805250503060c0526001600160a01b03811661013f57604051631e4fbdf760e01b81525f60048201526024015b60405180910390fd5b6101488161023a565b5060016003556001600160a01b038716158061016b57506001600160a01b038616155b8061017d57506001600160a01b038516155b1561019b5760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b038781166101605286811661018052600480546001600160a01b0319169187169190911790556101d2848461028b565b50600480546001600160401b03909216600160b01b02600160b01b600160f01b0319909216919091179055506105eb9350505050565b5f6020835110156102235761021c8361033c565b9050610234565b8161022e84826104d9565b5060ff90505b92915050565b600280546001600160a01b038381166001600160a01b0319831681179093556040519116919082907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a35050565b60ff821615806102a057508060ff168260ff16115b156102cb57604051630e6c513160e41b815260ff808416600483015282166024820152604401610136565b6004805461ffff60a01b1916600160a01b60ff85811691820260ff60a81b191692909217600160a81b928516928302179092556040805192835260208301919091527fc0fc17da5a89614d02194031e9e746b332140bc8ad9e31962761184ccd47903a910160405180910390a15050565b5f5f829050601f81511115610366578260405163305a27a960e01b81526004016101369190610593565b8051610371826105c8565b179392505050565b6001600160a01b038116811461038d575f5ffd5b50565b805160ff811681146103a0575f5ffd5b919050565b5f5f5f5f5f5f5f60e0888a0312156103bb575f5ffd5b87516103c681610379565b60208901519097506103d781610379565b60408901519096506103e881610379565b94506103f660608901610390565b935061040460808901610390565b60a08901519093506001600160401b0381168114610420575f5ffd5b60c089015190925061043181610379565b8091505092959891949750929550565b634e487b7160e01b5f52604160045260245ffd5b600181811c9082168061046957607f821691505b60208210810361048757634e487b7160e01b5f52602260045260245ffd5b50919050565b601f8211156104d457805f5260205f20601f840160051c810160208510156104b25750805b601f840160051c820191505b818110156104d1575f81556001016104be565b50505b505050565b81516001600160401b038111156104f2576104f2610441565b610506816105008454610455565b8461048d565b6020601f821160018114610538575f83156105215750848201515b5f19600385901b1c1916600184901b1784556104d1565b5f84815260208120601f198516915b828110156105675787850151825560209485019460019092019101610547565b508482101561058457868401515f19600387901b60f8161c191681555b50505050600190811b01905550565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b80516020808301519190811015610487575f1960209190910360031b1b16919050565b60805160a05160c05160e05161010051610120516101405161016051610180516132d461067a5f395f8181610399015261249e01525f81816104dc0152818161075d01528181610c7c015281816117cf01528181611b8b015261203b01525f6119fb01525f6119cf01525f61226d01525f61224501525f6121a001525f6121ca01525f6121f401526132d45ff3fe608060405234801561000f575f5ffd5b50600436106101c6575f3560e01c8063a21d516c116100fe578063ef4f455b1161009e578063f687d8701161006e578063f687d87014610488578063f698da25146104af578063fb1e61ca146104b7578063fc0c546a146104d7575f5ffd5b8063ef4f455b146103f4578063f0f442601461043b578063f2fde38b1461044e578063f5d100b514610461575f5ffd5b8063ca1e7819116100d9578063ca1e781914610394578063d5b9038d146103bb578063db97d6b0146103ce578063e6ece485146103e1575f5ffd5b8063a21d516c1461035b578063a8c188881461036e578063c4a7c2a714610381575f5ffd5b80636a87af3f116101695780637d373200116101445780637d3732001461030957806384b0196e1461031c5780638da5cb5b146103375780639d84475214610348575f5ffd5b80636a87af3f146102d95780636b117ffd146102ec578063715018a614610301575f5ffd5b8063366cf164116101a4578063366cf1641461024e578063371cba5614610275578063455d595e1461029b57806361d027b3146102ae575f5ffd5b80630c727dcc146101ca5780631703a01814610204578063242685f51461023b575b5f5ffd5b6101f17f02c38e8f2d16d49cd4fa1df0b4b93d41662c80c161031138f29e2f4a6551b53e81565b6040519081526020015b60405180910390f35b6004546102299074010000000000000000000000000000000000000000900460ff1681565b60405160ff90911681526020016101fb565b6101f1610249366004612a47565b6104fe565b6101f17fae43c04fd9ae4c57f27d7e163b614ea31520f714cca9e5610565aeb2fca7403e81565b600454610229907501000000000000000000000000000000000000000000900460ff1681565b6101f16102a9366004612aa1565b610551565b6004546102c1906001600160a01b031681565b6040516001600160a01b0390911681526020016101fb565b6101f16102e7366004612ae4565b610569565b6102ff6102fa366004612b46565b61061d565b005b6102ff610641565b6102ff610317366004612bb7565b610654565b61032461066a565b6040516101fb9796959493929190612c34565b6002546001600160a01b03166102c1565b6102ff610356366004612ce6565b6106c8565b6102ff610369366004612d79565b6107d9565b6101f161037c366004612aa1565b610933565b6102ff61038f366004612d90565b6109ae565b6102c17f000000000000000000000000000000000000000000000000000000000000000081565b6102ff6103c9366004612e51565b610a66565b6102ff6103dc366004612e90565b610ce1565b6102ff6103ef366004612d79565b610d73565b60045461042290760100000000000000000000000000000000000000000000900467ffffffffffffffff1681565b60405167ffffffffffffffff90911681526020016101fb565b6102ff610449366004612ea9565b610e8d565b6102ff61045c366004612ea9565b610f3b565b6101f17f504117aecbbe7dafacd5b51e8d663ed3d1ef2bd81043ceab3e950f3b9bea072981565b6101f17f31a8ee266bb4300ca504762ace411ed677f68247c128659898400e64796105c881565b6101f1610f8e565b6104ca6104c5366004612d79565b610f9c565b6040516101fb9190612f28565b6102c17f000000000000000000000000000000000000000000000000000000000000000081565b5f8060a0830135608084013561051c6060860135602087013561304f565b610526919061304f565b610530919061304f565b905061054661054186868685611104565b6111fb565b9150505b9392505050565b5f61055e85858585611248565b90505b949350505050565b5f7f02c38e8f2d16d49cd4fa1df0b4b93d41662c80c161031138f29e2f4a6551b53e6105986020840184612ea9565b60208401356105ad6060860160408701612ea9565b6040805160208101959095526001600160a01b03938416908501526060808501929092529091166080808401919091529084013560a0808401919091529084013560c083015283013560e0820152610100015b604051602081830303815290604052805190602001209050919050565b6106256112ac565b610631848484846112ef565b61063b6001600355565b50505050565b6106496117f7565b6106525f61183d565b565b61065c6117f7565b61066682826118a6565b5050565b5f6060805f5f5f606061067b6119c8565b6106836119f4565b604080515f808252602082019092527f0f000000000000000000000000000000000000000000000000000000000000009b939a50919850469750309650945092509050565b6106d06112ac565b5f60a088013560808901356106ed60608b013560208c013561304f565b6106f7919061304f565b610701919061304f565b6040517fd505accf000000000000000000000000000000000000000000000000000000008152336004820152306024820152604481018290526064810187905260ff8616608482015260a4810185905260c481018490529091507f00000000000000000000000000000000000000000000000000000000000000006001600160a01b03169063d505accf9060e4015f604051808303815f87803b1580156107a6575f5ffd5b505af19250505080156107b7575060015b506107c4898989896112ef565b506107cf6001600355565b5050505050505050565b6107e16112ac565b5f818152600560205260409020600181547c0100000000000000000000000000000000000000000000000000000000900460ff16600481111561082657610826612ec2565b1461088f5780546040517fece4eb7b0000000000000000000000000000000000000000000000000000000081526108869184917c010000000000000000000000000000000000000000000000000000000090910460ff169060040161308f565b60405180910390fd5b805474010000000000000000000000000000000000000000900467ffffffffffffffff164210156109195780546040517f91308fb8000000000000000000000000000000000000000000000000000000008152600481018490527401000000000000000000000000000000000000000090910467ffffffffffffffff166024820152604401610886565b61092581836003611a21565b506109306001600355565b50565b604080517f504117aecbbe7dafacd5b51e8d663ed3d1ef2bd81043ceab3e950f3b9bea07296020820152908101859052606081018490526001600160a01b038316608082015267ffffffffffffffff821660a08201525f9061055e9060c0015b604051602081830303815290604052805190602001206111fb565b6109b66112ac565b5f8781526005602052604081206109d39089898989898989611bb9565b90506109e6815f01518260200151612028565b6109f4338260400151612028565b5f5b8160a0015151811015610a3657610a2e8260a001518281518110610a1c57610a1c6130a3565b60200260200101518360600151612028565b6001016109f6565b506004546080820151610a52916001600160a01b031690612028565b50610a5d6001600355565b50505050505050565b610a6e6112ac565b805f819003610aa9576040517fc2e5347d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6004545f90610ad5907501000000000000000000000000000000000000000000900460ff16600161304f565b610adf90836130d0565b67ffffffffffffffff811115610af757610af7613062565b604051908082528060200260200182016040528015610b20578160200160208202803683370190505b5090505f5f5f5f5b85811015610c365736888883818110610b4357610b436130a3565b9050602002810190610b5591906130e7565b80355f8181526005602090815260408083209495509193610ba7939092909186013590610b889060608801908801612e90565b610b956060880188613123565b610ba260808a018a613184565b611bb9565b9050806040015185610bb9919061304f565b9450806080015184610bcb919061304f565b9350610be08787835f01518460200151612062565b95505f5b8160a0015151811015610c2857610c1e88888460a001518481518110610c0c57610c0c6130a3565b60200260200101518560600151612062565b9650600101610be4565b505050806001019050610b28565b505f5b83811015610cb1575f858281518110610c5457610c546130a3565b602002602001015190505f610c68826120d6565b9050805c5f825d610ca36001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016848361211b565b505050806001019050610c39565b50610cbc3383612028565b600454610cd2906001600160a01b031682612028565b50505050506106666001600355565b610ce96117f7565b600480547fffff0000000000000000ffffffffffffffffffffffffffffffffffffffffffff1676010000000000000000000000000000000000000000000067ffffffffffffffff8416908102919091179091556040519081527f2aad1b6fe994f523fbe27dd119f98d87986cbe4d51e9fc0085cff8bb90727e09906020015b60405180910390a150565b610d7b6112ac565b5f818152600560205260409020600181547c0100000000000000000000000000000000000000000000000000000000900460ff166004811115610dc057610dc0612ec2565b14610e205780546040517fece4eb7b0000000000000000000000000000000000000000000000000000000081526108869184917c010000000000000000000000000000000000000000000000000000000090910460ff169060040161308f565b60018101546001600160a01b03163314801590610e4857506002546001600160a01b03163314155b15610e81576040517f17c68bfc000000000000000000000000000000000000000000000000000000008152336004820152602401610886565b61092581836004611a21565b610e956117f7565b6001600160a01b038116610ed5576040517fd92e233d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b600480547fffffffffffffffffffffffff0000000000000000000000000000000000000000166001600160a01b0383169081179091556040519081527fc714d22a2f08b695f81e7c707058db484aa5b4d6b4c9fd64beb10fe85832f60890602001610d68565b610f436117f7565b6001600160a01b038116610f85576040517f1e4fbdf70000000000000000000000000000000000000000000000000000000081525f6004820152602401610886565b6109308161183d565b5f610f97612194565b905090565b6040805161012080820183525f8083526020808401829052838501829052606084018290526080840182905260a0840182905260c0840182905260e08401829052610100840182905285825260058152908490208451928301855280546001600160a01b038116845274010000000000000000000000000000000000000000810467ffffffffffffffff169284019290925292939192918301907c0100000000000000000000000000000000000000000000000000000000900460ff16600481111561106a5761106a612ec2565b600481111561107b5761107b612ec2565b815260018201546001600160a01b0380821660208401526bffffffffffffffffffffffff740100000000000000000000000000000000000000009283900481166040850152600285015491821660608501529190048116608083015260039092015480831660a08301526c01000000000000000000000000900490911660c09091015292915050565b5f7f31a8ee266bb4300ca504762ace411ed677f68247c128659898400e64796105c88535856111396060870160408801612ea9565b6111466020880188612ea9565b89602001358a604001358861115a8b610569565b8d606001358e60800160208101906111729190612e90565b60408051602081019c909c528b01999099526001600160a01b0397881660608b015295871660808a01529590931660a088015260c087019190915260e086015261010085015261012084019190915261014083015267ffffffffffffffff1661016082015261018001604051602081830303815290604052805190602001209050949350505050565b5f611242611207612194565b836040517f19010000000000000000000000000000000000000000000000000000000000008152600281019290925260228201526042902090565b92915050565b604080517fae43c04fd9ae4c57f27d7e163b614ea31520f714cca9e5610565aeb2fca7403e6020820152908101859052606081018490526001600160a01b038316608082015267ffffffffffffffff821660a08201525f9061055e9060c001610993565b6002600354036112e8576040517f3ee5aeb500000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6002600355565b83355f9081526005602052604081209081547c0100000000000000000000000000000000000000000000000000000000900460ff16600481111561133557611335612ec2565b1461136f576040517fa4a99c6100000000000000000000000000000000000000000000000000000000815285356004820152602401610886565b4261138060a0870160808801612e90565b67ffffffffffffffff161115806113df57506004546113c390760100000000000000000000000000000000000000000000900467ffffffffffffffff164261304f565b6113d360a0870160808801612e90565b67ffffffffffffffff16115b15611439576113f460a0860160808701612e90565b6040517fd236324a00000000000000000000000000000000000000000000000000000000815267ffffffffffffffff9091166004820152426024820152604401610886565b5f6114476020860186612ea9565b6001600160a01b0316148061147357505f6114686060860160408701612ea9565b6001600160a01b0316145b156114aa576040517fd92e233d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f60a085013560808601356114c76060880135602089013561304f565b6114d1919061304f565b6114db919061304f565b9050805f03611516576040517f1f2a200500000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6bffffffffffffffffffffffff81111561155f576040517f08083b2a00000000000000000000000000000000000000000000000000000000815260048101829052602401610886565b5f61156f61054188338986611104565b905061157c8186866122bd565b5082547fffffffffffffffffffffffff000000000000000000000000000000000000000016331783556115b560a0880160808901612e90565b835467ffffffffffffffff9190911674010000000000000000000000000000000000000000027fffffff00ffffffffffffffffffffffffffffffffffffffffffffffffffffffff167fffffff000000000000000000ffffffffffffffffffffffffffffffffffffffff909116177c01000000000000000000000000000000000000000000000000000000001783556116536060870160408801612ea9565b6001600160a01b03167401000000000000000000000000000000000000000060608801356bffffffffffffffffffffffff16021760018401556116996020870187612ea9565b6bffffffffffffffffffffffff6020880135811674010000000000000000000000000000000000000000026001600160a01b039290921691909117600285015560038401805460a089013583166c01000000000000000000000000027fffffffffffffffff00000000000000000000000000000000000000000000000090911660808a01359093169290921791909117905561173b6060870160408801612ea9565b6001600160a01b03163388357f8faae5c5fb93e58dde0af145b72a8570691d24e51cf2cb4eb5da0751ae0b1acc61177560208b018b612ea9565b8661178660a08e0160808f01612e90565b604080516001600160a01b039094168452602084019290925267ffffffffffffffff16908201526060808d01359082015260800160405180910390a4610a5d6001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016333085612587565b6002546001600160a01b03163314610652576040517f118cdaa7000000000000000000000000000000000000000000000000000000008152336004820152602401610886565b600280546001600160a01b038381167fffffffffffffffffffffffff0000000000000000000000000000000000000000831681179093556040519116919082907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0905f90a35050565b60ff821615806118bb57508060ff168260ff16115b156118ff576040517fe6c5131000000000000000000000000000000000000000000000000000000000815260ff808416600483015282166024820152604401610886565b600480547fffffffffffffffffffff0000ffffffffffffffffffffffffffffffffffffffff167401000000000000000000000000000000000000000060ff8581169182027fffffffffffffffffffff00ffffffffffffffffffffffffffffffffffffffffff16929092177501000000000000000000000000000000000000000000928516928302179092556040805192835260208301919091527fc0fc17da5a89614d02194031e9e746b332140bc8ad9e31962761184ccd47903a910160405180910390a15050565b6060610f977f00000000000000000000000000000000000000000000000000000000000000005f6125c0565b6060610f977f000000000000000000000000000000000000000000000000000000000000000060016125c0565b6003830154600184015460028501545f926bffffffffffffffffffffffff6c01000000000000000000000000820481169391811692611a7f92740100000000000000000000000000000000000000009081900483169291041661304f565b611a89919061304f565b611a93919061304f565b84549091506001600160a01b03811690839086907fffffff00ffffffffffffffffffffffffffffffffffffffffffffffffffffffff167c0100000000000000000000000000000000000000000000000000000000836004811115611af957611af9612ec2565b0217905550611b3a855f60018201819055600282015560030180547fffffffffffffffff000000000000000000000000000000000000000000000000169055565b806001600160a01b0316847fde64aeb5d4f79c86bdc5e5e98e8eb581e86b45e9c00b5a9ee7b520dd56453a3d8486604051611b7692919061308f565b60405180910390a3611bb26001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016828461211b565b5050505050565b611bf66040518060c001604052805f6001600160a01b031681526020015f81526020015f81526020015f81526020015f8152602001606081525090565b600189547c0100000000000000000000000000000000000000000000000000000000900460ff166004811115611c2e57611c2e612ec2565b14611c8e5788546040517fece4eb7b000000000000000000000000000000000000000000000000000000008152610886918a917c010000000000000000000000000000000000000000000000000000000090910460ff169060040161308f565b60018901546001600160a01b03163314611ceb5760018901546040517fb41a0fd70000000000000000000000000000000000000000000000000000000081523360048201526001600160a01b039091166024820152604401610886565b885474010000000000000000000000000000000000000000900467ffffffffffffffff164210611d745788546040517fda564c64000000000000000000000000000000000000000000000000000000008152600481018a90527401000000000000000000000000000000000000000090910467ffffffffffffffff166024820152604401610886565b60028901546001600160a01b0316808252604080517f504117aecbbe7dafacd5b51e8d663ed3d1ef2bd81043ceab3e950f3b9bea072960208201529081018a905260608101899052608081019190915267ffffffffffffffff871660a08201525f90611de29060c001610993565b90505f611df082888861266a565b9050825f01516001600160a01b0316816001600160a01b031614611e565782516040517f106af7510000000000000000000000000000000000000000000000000000000081526001600160a01b0380841660048301529091166024820152604401610886565b611e6f611e688b8b865f01518c611248565b86866122bd565b60a0840181905260028c01546bffffffffffffffffffffffff74010000000000000000000000000000000000000000918290048116602087015260018e0154919091048116604086015260038d01549151911690611ecd81836131e8565b60608601819052611edf9082906130d0565b611ee99083613220565b60038e0154611f1691906c0100000000000000000000000090046bffffffffffffffffffffffff1661304f565b60808601528c547fffffff00ffffffffffffffffffffffffffffffffffffffffffffffffffffffff167c0200000000000000000000000000000000000000000000000000000000178d555f60018e0181905560028e015560038d0180547fffffffffffffffff000000000000000000000000000000000000000000000000169055845f01516001600160a01b03168c7e7a95e8e456fef1f4b150c7d4548dd51287e525f042528e4f81252336bba7808d886020015189604001518a60600151878c6080015160405161201096959493929190958652602086019490945260408501929092526060840152608083015260a082015260c00190565b60405180910390a35050505098975050505050505050565b8015610666576106666001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016838361211b565b5f815f03612071575082610561565b5f61207b846120d6565b9050805c5f8190036120c65784878761209381613233565b9850815181106120a5576120a56130a3565b60200260200101906001600160a01b031690816001600160a01b0316815250505b838101825d509395945050505050565b604080516001600160a01b03831660208201527fad914bb1e92d8ee83390e58d60135c5c2b0756988e9dca25a223268282eaac9a918101919091525f90606001610600565b6040516001600160a01b0383811660248301526044820183905261218f91859182169063a9059cbb906064015b604051602081830303815290604052915060e01b6020820180517bffffffffffffffffffffffffffffffffffffffffffffffffffffffff83818316178352505050506126aa565b505050565b5f306001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161480156121ec57507f000000000000000000000000000000000000000000000000000000000000000046145b1561221657507f000000000000000000000000000000000000000000000000000000000000000090565b610f97604080517f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f60208201527f0000000000000000000000000000000000000000000000000000000000000000918101919091527f000000000000000000000000000000000000000000000000000000000000000060608201524660808201523060a08201525f9060c00160405160208183030381529060405280519060200120905090565b600454606090829074010000000000000000000000000000000000000000900460ff1681108061230a57506004547501000000000000000000000000000000000000000000900460ff1681115b1561238857600480546040517fe229060700000000000000000000000000000000000000000000000000000000815291820183905260ff740100000000000000000000000000000000000000008204811660248401527501000000000000000000000000000000000000000000909104166044820152606401610886565b8067ffffffffffffffff8111156123a1576123a1613062565b6040519080825280602002602001820160405280156123ca578160200160208202803683370190505b5091505f5f5b8281101561257d575f612406888888858181106123ef576123ef6130a3565b90506020028101906124019190613123565b61266a565b9050826001600160a01b0316816001600160a01b031611612466576040517f45907fac0000000000000000000000000000000000000000000000000000000081526001600160a01b03808516600483015282166024820152604401610886565b6040517f40550a1c0000000000000000000000000000000000000000000000000000000081526001600160a01b0382811660048301527f000000000000000000000000000000000000000000000000000000000000000016906340550a1c90602401602060405180830381865afa1580156124e3573d5f5f3e3d5ffd5b505050506040513d601f19601f82011682018060405250810190612507919061326a565b612548576040517f37603bef0000000000000000000000000000000000000000000000000000000081526001600160a01b0382166004820152602401610886565b8085838151811061255b5761255b6130a3565b6001600160a01b039092166020928302919091019091015291506001016123d0565b5050509392505050565b6040516001600160a01b03848116602483015283811660448301526064820183905261063b9186918216906323b872dd90608401612148565b606060ff83146125da576125d38361272f565b9050611242565b8180546125e690613289565b80601f016020809104026020016040519081016040528092919081815260200182805461261290613289565b801561265d5780601f106126345761010080835404028352916020019161265d565b820191905f5260205f20905b81548152906001019060200180831161264057829003601f168201915b5050505050905092915050565b5f6105618484848080601f0160208091040260200160405190810160405280939291908181526020018383808284375f9201919091525061276c92505050565b5f5f60205f8451602086015f885af1806126c9576040513d5f823e3d81fd5b50505f513d915081156126e05780600114156126ed565b6001600160a01b0384163b155b1561063b576040517f5274afe70000000000000000000000000000000000000000000000000000000081526001600160a01b0385166004820152602401610886565b60605f61273b83612794565b6040805160208082528183019092529192505f91906020820181803683375050509182525060208101929092525090565b5f5f5f5f61277a86866127d4565b92509250925061278a828261281d565b5090949350505050565b5f60ff8216601f811115611242576040517fb3512b0c00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f5f5f835160410361280b576020840151604085015160608601515f1a6127fd88828585612920565b955095509550505050612816565b505081515f91506002905b9250925092565b5f82600381111561283057612830612ec2565b03612839575050565b600182600381111561284d5761284d612ec2565b03612884576040517ff645eedf00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b600282600381111561289857612898612ec2565b036128d2576040517ffce698f700000000000000000000000000000000000000000000000000000000815260048101829052602401610886565b60038260038111156128e6576128e6612ec2565b03610666576040517fd78bce0c00000000000000000000000000000000000000000000000000000000815260048101829052602401610886565b5f80807f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a084111561295957505f915060039050826129fc565b604080515f808252602082018084528a905260ff891692820192909252606081018790526080810186905260019060a0016020604051602081039080840390855afa1580156129aa573d5f5f3e3d5ffd5b50506040517fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe001519150506001600160a01b0381166129f357505f9250600191508290506129fc565b92505f91508190505b9450945094915050565b5f60a08284031215612a16575f5ffd5b50919050565b80356001600160a01b0381168114612a32575f5ffd5b919050565b5f60c08284031215612a16575f5ffd5b5f5f5f6101808486031215612a5a575f5ffd5b612a648585612a06565b9250612a7260a08501612a1c565b9150612a818560c08601612a37565b90509250925092565b803567ffffffffffffffff81168114612a32575f5ffd5b5f5f5f5f60808587031215612ab4575f5ffd5b8435935060208501359250612acb60408601612a1c565b9150612ad960608601612a8a565b905092959194509250565b5f60c08284031215612af4575f5ffd5b61054a8383612a37565b5f5f83601f840112612b0e575f5ffd5b50813567ffffffffffffffff811115612b25575f5ffd5b6020830191508360208260051b8501011115612b3f575f5ffd5b9250929050565b5f5f5f5f6101808587031215612b5a575f5ffd5b612b648686612a06565b9350612b738660a08701612a37565b925061016085013567ffffffffffffffff811115612b8f575f5ffd5b612b9b87828801612afe565b95989497509550505050565b803560ff81168114612a32575f5ffd5b5f5f60408385031215612bc8575f5ffd5b612bd183612ba7565b9150612bdf60208401612ba7565b90509250929050565b5f81518084528060208401602086015e5f6020828601015260207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0601f83011685010191505092915050565b7fff000000000000000000000000000000000000000000000000000000000000008816815260e060208201525f612c6e60e0830189612be8565b8281036040840152612c808189612be8565b606084018890526001600160a01b038716608085015260a0840186905283810360c0850152845180825260208087019350909101905f5b81811015612cd5578351835260209384019390920191600101612cb7565b50909b9a5050505050505050505050565b5f5f5f5f5f5f5f5f610200898b031215612cfe575f5ffd5b612d088a8a612a06565b9750612d178a60a08b01612a37565b965061016089013567ffffffffffffffff811115612d33575f5ffd5b612d3f8b828c01612afe565b9097509550506101808901359350612d5a6101a08a01612ba7565b979a96995094979396929592945050506101c0820135916101e0013590565b5f60208284031215612d89575f5ffd5b5035919050565b5f5f5f5f5f5f5f60a0888a031215612da6575f5ffd5b8735965060208801359550612dbd60408901612a8a565b9450606088013567ffffffffffffffff811115612dd8575f5ffd5b8801601f81018a13612de8575f5ffd5b803567ffffffffffffffff811115612dfe575f5ffd5b8a6020828401011115612e0f575f5ffd5b60209190910194509250608088013567ffffffffffffffff811115612e32575f5ffd5b612e3e8a828b01612afe565b989b979a50959850939692959293505050565b5f5f60208385031215612e62575f5ffd5b823567ffffffffffffffff811115612e78575f5ffd5b612e8485828601612afe565b90969095509350505050565b5f60208284031215612ea0575f5ffd5b61054a82612a8a565b5f60208284031215612eb9575f5ffd5b61054a82612a1c565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52602160045260245ffd5b60058110612f24577f4e487b71000000000000000000000000000000000000000000000000000000005f52602160045260245ffd5b9052565b5f610120820190506001600160a01b03835116825267ffffffffffffffff60208401511660208301526040830151612f636040840182612eef565b506060830151612f7e60608401826001600160a01b03169052565b506080830151612f9e60808401826bffffffffffffffffffffffff169052565b5060a0830151612fb960a08401826001600160a01b03169052565b5060c0830151612fd960c08401826bffffffffffffffffffffffff169052565b5060e0830151612ff960e08401826bffffffffffffffffffffffff169052565b5061010083015161301b6101008401826bffffffffffffffffffffffff169052565b5092915050565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b8082018082111561124257611242613022565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52604160045260245ffd5b8281526040810161054a6020830184612eef565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52603260045260245ffd5b808202811582820484141761124257611242613022565b5f82357fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff61833603018112613119575f5ffd5b9190910192915050565b5f5f83357fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe1843603018112613156575f5ffd5b83018035915067ffffffffffffffff821115613170575f5ffd5b602001915036819003821315612b3f575f5ffd5b5f5f83357fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe18436030181126131b7575f5ffd5b83018035915067ffffffffffffffff8211156131d1575f5ffd5b6020019150600581901b3603821315612b3f575f5ffd5b5f8261321b577f4e487b71000000000000000000000000000000000000000000000000000000005f52601260045260245ffd5b500490565b8181038181111561124257611242613022565b5f7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff820361326357613263613022565b5060010190565b5f6020828403121561327a575f5ffd5b8151801515811461054a575f5ffd5b600181811c9082168061329d57607f821691505b602082108103612a16577f4e487b71000000000000000000000000000000000000000000000000000000005f52602260045260245ffd",
}

// InferencePayment is an auto generated Go binding around an Ethereum contract.
type InferencePayment struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *InferencePayment) GetABI() abi.ABI {
	return c.abi
}

// NewInferencePayment creates a new instance of InferencePayment.
func NewInferencePayment() *InferencePayment {
	parsed, err := InferencePaymentMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &InferencePayment{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *InferencePayment) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address token_, address validators_, address treasury_, uint8 quorum_, uint8 maxSigners_, uint64 maxRequestTTL_, address owner_) returns()
func (inferencePayment *InferencePayment) PackConstructor(token_ common.Address, validators_ common.Address, treasury_ common.Address, quorum_ uint8, maxSigners_ uint8, maxRequestTTL_ uint64, owner_ common.Address) []byte {
	enc, err := inferencePayment.abi.Pack("", token_, validators_, treasury_, quorum_, maxSigners_, maxRequestTTL_, owner_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackCOMPLETIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x366cf164.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function COMPLETION_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) PackCOMPLETIONTYPEHASH() []byte {
	enc, err := inferencePayment.abi.Pack("COMPLETION_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCOMPLETIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x366cf164.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function COMPLETION_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackCOMPLETIONTYPEHASH() ([]byte, error) {
	return inferencePayment.abi.Pack("COMPLETION_TYPEHASH")
}

// UnpackCOMPLETIONTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x366cf164.
//
// Solidity: function COMPLETION_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackCOMPLETIONTYPEHASH(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("COMPLETION_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackCOMPUTERESULTTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf5d100b5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function COMPUTE_RESULT_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) PackCOMPUTERESULTTYPEHASH() []byte {
	enc, err := inferencePayment.abi.Pack("COMPUTE_RESULT_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCOMPUTERESULTTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf5d100b5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function COMPUTE_RESULT_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackCOMPUTERESULTTYPEHASH() ([]byte, error) {
	return inferencePayment.abi.Pack("COMPUTE_RESULT_TYPEHASH")
}

// UnpackCOMPUTERESULTTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf5d100b5.
//
// Solidity: function COMPUTE_RESULT_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackCOMPUTERESULTTYPEHASH(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("COMPUTE_RESULT_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackPAYMENTTREETYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0c727dcc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function PAYMENT_TREE_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) PackPAYMENTTREETYPEHASH() []byte {
	enc, err := inferencePayment.abi.Pack("PAYMENT_TREE_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPAYMENTTREETYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0c727dcc.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function PAYMENT_TREE_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackPAYMENTTREETYPEHASH() ([]byte, error) {
	return inferencePayment.abi.Pack("PAYMENT_TREE_TYPEHASH")
}

// UnpackPAYMENTTREETYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0c727dcc.
//
// Solidity: function PAYMENT_TREE_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackPAYMENTTREETYPEHASH(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("PAYMENT_TREE_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackPREPROCESSINGTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf687d870.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function PREPROCESSING_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) PackPREPROCESSINGTYPEHASH() []byte {
	enc, err := inferencePayment.abi.Pack("PREPROCESSING_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPREPROCESSINGTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf687d870.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function PREPROCESSING_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackPREPROCESSINGTYPEHASH() ([]byte, error) {
	return inferencePayment.abi.Pack("PREPROCESSING_TYPEHASH")
}

// UnpackPREPROCESSINGTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf687d870.
//
// Solidity: function PREPROCESSING_TYPEHASH() view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackPREPROCESSINGTYPEHASH(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("PREPROCESSING_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackCompleteInferenceRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc4a7c2a7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function completeInferenceRequest(bytes32 requestId, bytes32 resultHash, uint64 execMillis, bytes computeSig, bytes[] validatorSigs) returns()
func (inferencePayment *InferencePayment) PackCompleteInferenceRequest(requestId [32]byte, resultHash [32]byte, execMillis uint64, computeSig []byte, validatorSigs [][]byte) []byte {
	enc, err := inferencePayment.abi.Pack("completeInferenceRequest", requestId, resultHash, execMillis, computeSig, validatorSigs)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCompleteInferenceRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc4a7c2a7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function completeInferenceRequest(bytes32 requestId, bytes32 resultHash, uint64 execMillis, bytes computeSig, bytes[] validatorSigs) returns()
func (inferencePayment *InferencePayment) TryPackCompleteInferenceRequest(requestId [32]byte, resultHash [32]byte, execMillis uint64, computeSig []byte, validatorSigs [][]byte) ([]byte, error) {
	return inferencePayment.abi.Pack("completeInferenceRequest", requestId, resultHash, execMillis, computeSig, validatorSigs)
}

// PackCompleteInferenceRequests is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd5b9038d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function completeInferenceRequests((bytes32,bytes32,uint64,bytes,bytes[])[] items) returns()
func (inferencePayment *InferencePayment) PackCompleteInferenceRequests(items []InferencePaymentCompletion) []byte {
	enc, err := inferencePayment.abi.Pack("completeInferenceRequests", items)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCompleteInferenceRequests is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd5b9038d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function completeInferenceRequests((bytes32,bytes32,uint64,bytes,bytes[])[] items) returns()
func (inferencePayment *InferencePayment) TryPackCompleteInferenceRequests(items []InferencePaymentCompletion) ([]byte, error) {
	return inferencePayment.abi.Pack("completeInferenceRequests", items)
}

// PackCompletionDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x455d595e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function completionDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis) view returns(bytes32)
func (inferencePayment *InferencePayment) PackCompletionDigest(requestId [32]byte, resultHash [32]byte, computeNode common.Address, execMillis uint64) []byte {
	enc, err := inferencePayment.abi.Pack("completionDigest", requestId, resultHash, computeNode, execMillis)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCompletionDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x455d595e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function completionDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis) view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackCompletionDigest(requestId [32]byte, resultHash [32]byte, computeNode common.Address, execMillis uint64) ([]byte, error) {
	return inferencePayment.abi.Pack("completionDigest", requestId, resultHash, computeNode, execMillis)
}

// UnpackCompletionDigest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x455d595e.
//
// Solidity: function completionDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis) view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackCompletionDigest(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("completionDigest", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackComputeResultDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa8c18888.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function computeResultDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis) view returns(bytes32)
func (inferencePayment *InferencePayment) PackComputeResultDigest(requestId [32]byte, resultHash [32]byte, computeNode common.Address, execMillis uint64) []byte {
	enc, err := inferencePayment.abi.Pack("computeResultDigest", requestId, resultHash, computeNode, execMillis)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackComputeResultDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa8c18888.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function computeResultDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis) view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackComputeResultDigest(requestId [32]byte, resultHash [32]byte, computeNode common.Address, execMillis uint64) ([]byte, error) {
	return inferencePayment.abi.Pack("computeResultDigest", requestId, resultHash, computeNode, execMillis)
}

// UnpackComputeResultDigest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa8c18888.
//
// Solidity: function computeResultDigest(bytes32 requestId, bytes32 resultHash, address computeNode, uint64 execMillis) view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackComputeResultDigest(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("computeResultDigest", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackDomainSeparator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf698da25.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function domainSeparator() view returns(bytes32)
func (inferencePayment *InferencePayment) PackDomainSeparator() []byte {
	enc, err := inferencePayment.abi.Pack("domainSeparator")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDomainSeparator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf698da25.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function domainSeparator() view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackDomainSeparator() ([]byte, error) {
	return inferencePayment.abi.Pack("domainSeparator")
}

// UnpackDomainSeparator is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf698da25.
//
// Solidity: function domainSeparator() view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackDomainSeparator(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("domainSeparator", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackEip712Domain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84b0196e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function eip712Domain() view returns(bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)
func (inferencePayment *InferencePayment) PackEip712Domain() []byte {
	enc, err := inferencePayment.abi.Pack("eip712Domain")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackEip712Domain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x84b0196e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function eip712Domain() view returns(bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)
func (inferencePayment *InferencePayment) TryPackEip712Domain() ([]byte, error) {
	return inferencePayment.abi.Pack("eip712Domain")
}

// Eip712DomainOutput serves as a container for the return parameters of contract
// method Eip712Domain.
type Eip712DomainOutput struct {
	Fields            [1]byte
	Name              string
	Version           string
	ChainId           *big.Int
	VerifyingContract common.Address
	Salt              [32]byte
	Extensions        []*big.Int
}

// UnpackEip712Domain is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x84b0196e.
//
// Solidity: function eip712Domain() view returns(bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)
func (inferencePayment *InferencePayment) UnpackEip712Domain(data []byte) (Eip712DomainOutput, error) {
	out, err := inferencePayment.abi.Unpack("eip712Domain", data)
	outstruct := new(Eip712DomainOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Fields = *abi.ConvertType(out[0], new([1]byte)).(*[1]byte)
	outstruct.Name = *abi.ConvertType(out[1], new(string)).(*string)
	outstruct.Version = *abi.ConvertType(out[2], new(string)).(*string)
	outstruct.ChainId = abi.ConvertType(out[3], new(big.Int)).(*big.Int)
	outstruct.VerifyingContract = *abi.ConvertType(out[4], new(common.Address)).(*common.Address)
	outstruct.Salt = *abi.ConvertType(out[5], new([32]byte)).(*[32]byte)
	outstruct.Extensions = *abi.ConvertType(out[6], new([]*big.Int)).(*[]*big.Int)
	return *outstruct, nil
}

// PackGetRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb1e61ca.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getRequest(bytes32 requestId) view returns((address,uint64,uint8,address,uint96,address,uint96,uint96,uint96))
func (inferencePayment *InferencePayment) PackGetRequest(requestId [32]byte) []byte {
	enc, err := inferencePayment.abi.Pack("getRequest", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb1e61ca.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getRequest(bytes32 requestId) view returns((address,uint64,uint8,address,uint96,address,uint96,uint96,uint96))
func (inferencePayment *InferencePayment) TryPackGetRequest(requestId [32]byte) ([]byte, error) {
	return inferencePayment.abi.Pack("getRequest", requestId)
}

// UnpackGetRequest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfb1e61ca.
//
// Solidity: function getRequest(bytes32 requestId) view returns((address,uint64,uint8,address,uint96,address,uint96,uint96,uint96))
func (inferencePayment *InferencePayment) UnpackGetRequest(data []byte) (InferencePaymentRequest, error) {
	out, err := inferencePayment.abi.Unpack("getRequest", data)
	if err != nil {
		return *new(InferencePaymentRequest), err
	}
	out0 := *abi.ConvertType(out[0], new(InferencePaymentRequest)).(*InferencePaymentRequest)
	return out0, nil
}

// PackHandleExpiredRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa21d516c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function handleExpiredRequest(bytes32 requestId) returns()
func (inferencePayment *InferencePayment) PackHandleExpiredRequest(requestId [32]byte) []byte {
	enc, err := inferencePayment.abi.Pack("handleExpiredRequest", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackHandleExpiredRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa21d516c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function handleExpiredRequest(bytes32 requestId) returns()
func (inferencePayment *InferencePayment) TryPackHandleExpiredRequest(requestId [32]byte) ([]byte, error) {
	return inferencePayment.abi.Pack("handleExpiredRequest", requestId)
}

// PackInitiateInferenceRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6b117ffd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function initiateInferenceRequest((bytes32,bytes32,bytes32,bytes32,uint64) req, (address,uint256,address,uint256,uint256,uint256) tree, bytes[] sigs) returns()
func (inferencePayment *InferencePayment) PackInitiateInferenceRequest(req InferencePaymentRequestParams, tree InferencePaymentPaymentTree, sigs [][]byte) []byte {
	enc, err := inferencePayment.abi.Pack("initiateInferenceRequest", req, tree, sigs)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackInitiateInferenceRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6b117ffd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function initiateInferenceRequest((bytes32,bytes32,bytes32,bytes32,uint64) req, (address,uint256,address,uint256,uint256,uint256) tree, bytes[] sigs) returns()
func (inferencePayment *InferencePayment) TryPackInitiateInferenceRequest(req InferencePaymentRequestParams, tree InferencePaymentPaymentTree, sigs [][]byte) ([]byte, error) {
	return inferencePayment.abi.Pack("initiateInferenceRequest", req, tree, sigs)
}

// PackInitiateWithPermit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9d844752.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function initiateWithPermit((bytes32,bytes32,bytes32,bytes32,uint64) req, (address,uint256,address,uint256,uint256,uint256) tree, bytes[] sigs, uint256 deadline, uint8 v, bytes32 r, bytes32 s) returns()
func (inferencePayment *InferencePayment) PackInitiateWithPermit(req InferencePaymentRequestParams, tree InferencePaymentPaymentTree, sigs [][]byte, deadline *big.Int, v uint8, r [32]byte, s [32]byte) []byte {
	enc, err := inferencePayment.abi.Pack("initiateWithPermit", req, tree, sigs, deadline, v, r, s)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackInitiateWithPermit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9d844752.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function initiateWithPermit((bytes32,bytes32,bytes32,bytes32,uint64) req, (address,uint256,address,uint256,uint256,uint256) tree, bytes[] sigs, uint256 deadline, uint8 v, bytes32 r, bytes32 s) returns()
func (inferencePayment *InferencePayment) TryPackInitiateWithPermit(req InferencePaymentRequestParams, tree InferencePaymentPaymentTree, sigs [][]byte, deadline *big.Int, v uint8, r [32]byte, s [32]byte) ([]byte, error) {
	return inferencePayment.abi.Pack("initiateWithPermit", req, tree, sigs, deadline, v, r, s)
}

// PackMarkRequestFailed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe6ece485.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function markRequestFailed(bytes32 requestId) returns()
func (inferencePayment *InferencePayment) PackMarkRequestFailed(requestId [32]byte) []byte {
	enc, err := inferencePayment.abi.Pack("markRequestFailed", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMarkRequestFailed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe6ece485.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function markRequestFailed(bytes32 requestId) returns()
func (inferencePayment *InferencePayment) TryPackMarkRequestFailed(requestId [32]byte) ([]byte, error) {
	return inferencePayment.abi.Pack("markRequestFailed", requestId)
}

// PackMaxRequestTTL is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xef4f455b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function maxRequestTTL() view returns(uint64)
func (inferencePayment *InferencePayment) PackMaxRequestTTL() []byte {
	enc, err := inferencePayment.abi.Pack("maxRequestTTL")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMaxRequestTTL is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xef4f455b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function maxRequestTTL() view returns(uint64)
func (inferencePayment *InferencePayment) TryPackMaxRequestTTL() ([]byte, error) {
	return inferencePayment.abi.Pack("maxRequestTTL")
}

// UnpackMaxRequestTTL is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xef4f455b.
//
// Solidity: function maxRequestTTL() view returns(uint64)
func (inferencePayment *InferencePayment) UnpackMaxRequestTTL(data []byte) (uint64, error) {
	out, err := inferencePayment.abi.Unpack("maxRequestTTL", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackMaxSigners is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x371cba56.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function maxSigners() view returns(uint8)
func (inferencePayment *InferencePayment) PackMaxSigners() []byte {
	enc, err := inferencePayment.abi.Pack("maxSigners")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMaxSigners is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x371cba56.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function maxSigners() view returns(uint8)
func (inferencePayment *InferencePayment) TryPackMaxSigners() ([]byte, error) {
	return inferencePayment.abi.Pack("maxSigners")
}

// UnpackMaxSigners is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x371cba56.
//
// Solidity: function maxSigners() view returns(uint8)
func (inferencePayment *InferencePayment) UnpackMaxSigners(data []byte) (uint8, error) {
	out, err := inferencePayment.abi.Unpack("maxSigners", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (inferencePayment *InferencePayment) PackOwner() []byte {
	enc, err := inferencePayment.abi.Pack("owner")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function owner() view returns(address)
func (inferencePayment *InferencePayment) TryPackOwner() ([]byte, error) {
	return inferencePayment.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (inferencePayment *InferencePayment) UnpackOwner(data []byte) (common.Address, error) {
	out, err := inferencePayment.abi.Unpack("owner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackPaymentTreeHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6a87af3f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function paymentTreeHash((address,uint256,address,uint256,uint256,uint256) tree) pure returns(bytes32)
func (inferencePayment *InferencePayment) PackPaymentTreeHash(tree InferencePaymentPaymentTree) []byte {
	enc, err := inferencePayment.abi.Pack("paymentTreeHash", tree)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPaymentTreeHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6a87af3f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function paymentTreeHash((address,uint256,address,uint256,uint256,uint256) tree) pure returns(bytes32)
func (inferencePayment *InferencePayment) TryPackPaymentTreeHash(tree InferencePaymentPaymentTree) ([]byte, error) {
	return inferencePayment.abi.Pack("paymentTreeHash", tree)
}

// UnpackPaymentTreeHash is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6a87af3f.
//
// Solidity: function paymentTreeHash((address,uint256,address,uint256,uint256,uint256) tree) pure returns(bytes32)
func (inferencePayment *InferencePayment) UnpackPaymentTreeHash(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("paymentTreeHash", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackPreprocessingDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x242685f5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function preprocessingDigest((bytes32,bytes32,bytes32,bytes32,uint64) req, address client, (address,uint256,address,uint256,uint256,uint256) tree) view returns(bytes32)
func (inferencePayment *InferencePayment) PackPreprocessingDigest(req InferencePaymentRequestParams, client common.Address, tree InferencePaymentPaymentTree) []byte {
	enc, err := inferencePayment.abi.Pack("preprocessingDigest", req, client, tree)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPreprocessingDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x242685f5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function preprocessingDigest((bytes32,bytes32,bytes32,bytes32,uint64) req, address client, (address,uint256,address,uint256,uint256,uint256) tree) view returns(bytes32)
func (inferencePayment *InferencePayment) TryPackPreprocessingDigest(req InferencePaymentRequestParams, client common.Address, tree InferencePaymentPaymentTree) ([]byte, error) {
	return inferencePayment.abi.Pack("preprocessingDigest", req, client, tree)
}

// UnpackPreprocessingDigest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x242685f5.
//
// Solidity: function preprocessingDigest((bytes32,bytes32,bytes32,bytes32,uint64) req, address client, (address,uint256,address,uint256,uint256,uint256) tree) view returns(bytes32)
func (inferencePayment *InferencePayment) UnpackPreprocessingDigest(data []byte) ([32]byte, error) {
	out, err := inferencePayment.abi.Unpack("preprocessingDigest", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackQuorum is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1703a018.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function quorum() view returns(uint8)
func (inferencePayment *InferencePayment) PackQuorum() []byte {
	enc, err := inferencePayment.abi.Pack("quorum")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackQuorum is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1703a018.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function quorum() view returns(uint8)
func (inferencePayment *InferencePayment) TryPackQuorum() ([]byte, error) {
	return inferencePayment.abi.Pack("quorum")
}

// UnpackQuorum is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1703a018.
//
// Solidity: function quorum() view returns(uint8)
func (inferencePayment *InferencePayment) UnpackQuorum(data []byte) (uint8, error) {
	out, err := inferencePayment.abi.Unpack("quorum", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function renounceOwnership() returns()
func (inferencePayment *InferencePayment) PackRenounceOwnership() []byte {
	enc, err := inferencePayment.abi.Pack("renounceOwnership")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function renounceOwnership() returns()
func (inferencePayment *InferencePayment) TryPackRenounceOwnership() ([]byte, error) {
	return inferencePayment.abi.Pack("renounceOwnership")
}

// PackSetMaxRequestTTL is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdb97d6b0.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setMaxRequestTTL(uint64 ttl) returns()
func (inferencePayment *InferencePayment) PackSetMaxRequestTTL(ttl uint64) []byte {
	enc, err := inferencePayment.abi.Pack("setMaxRequestTTL", ttl)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetMaxRequestTTL is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdb97d6b0.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setMaxRequestTTL(uint64 ttl) returns()
func (inferencePayment *InferencePayment) TryPackSetMaxRequestTTL(ttl uint64) ([]byte, error) {
	return inferencePayment.abi.Pack("setMaxRequestTTL", ttl)
}

// PackSetQuorum is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7d373200.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setQuorum(uint8 quorum_, uint8 maxSigners_) returns()
func (inferencePayment *InferencePayment) PackSetQuorum(quorum uint8, maxSigners uint8) []byte {
	enc, err := inferencePayment.abi.Pack("setQuorum", quorum, maxSigners)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetQuorum is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7d373200.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setQuorum(uint8 quorum_, uint8 maxSigners_) returns()
func (inferencePayment *InferencePayment) TryPackSetQuorum(quorum uint8, maxSigners uint8) ([]byte, error) {
	return inferencePayment.abi.Pack("setQuorum", quorum, maxSigners)
}

// PackSetTreasury is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf0f44260.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setTreasury(address treasury_) returns()
func (inferencePayment *InferencePayment) PackSetTreasury(treasury common.Address) []byte {
	enc, err := inferencePayment.abi.Pack("setTreasury", treasury)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetTreasury is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf0f44260.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setTreasury(address treasury_) returns()
func (inferencePayment *InferencePayment) TryPackSetTreasury(treasury common.Address) ([]byte, error) {
	return inferencePayment.abi.Pack("setTreasury", treasury)
}

// PackToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc0c546a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function token() view returns(address)
func (inferencePayment *InferencePayment) PackToken() []byte {
	enc, err := inferencePayment.abi.Pack("token")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc0c546a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function token() view returns(address)
func (inferencePayment *InferencePayment) TryPackToken() ([]byte, error) {
	return inferencePayment.abi.Pack("token")
}

// UnpackToken is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfc0c546a.
//
// Solidity: function token() view returns(address)
func (inferencePayment *InferencePayment) UnpackToken(data []byte) (common.Address, error) {
	out, err := inferencePayment.abi.Unpack("token", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (inferencePayment *InferencePayment) PackTransferOwnership(newOwner common.Address) []byte {
	enc, err := inferencePayment.abi.Pack("transferOwnership", newOwner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (inferencePayment *InferencePayment) TryPackTransferOwnership(newOwner common.Address) ([]byte, error) {
	return inferencePayment.abi.Pack("transferOwnership", newOwner)
}

// PackTreasury is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x61d027b3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function treasury() view returns(address)
func (inferencePayment *InferencePayment) PackTreasury() []byte {
	enc, err := inferencePayment.abi.Pack("treasury")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTreasury is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x61d027b3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function treasury() view returns(address)
func (inferencePayment *InferencePayment) TryPackTreasury() ([]byte, error) {
	return inferencePayment.abi.Pack("treasury")
}

// UnpackTreasury is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x61d027b3.
//
// Solidity: function treasury() view returns(address)
func (inferencePayment *InferencePayment) UnpackTreasury(data []byte) (common.Address, error) {
	out, err := inferencePayment.abi.Unpack("treasury", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackValidators is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca1e7819.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function validators() view returns(address)
func (inferencePayment *InferencePayment) PackValidators() []byte {
	enc, err := inferencePayment.abi.Pack("validators")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackValidators is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca1e7819.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function validators() view returns(address)
func (inferencePayment *InferencePayment) TryPackValidators() ([]byte, error) {
	return inferencePayment.abi.Pack("validators")
}

// UnpackValidators is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xca1e7819.
//
// Solidity: function validators() view returns(address)
func (inferencePayment *InferencePayment) UnpackValidators(data []byte) (common.Address, error) {
	out, err := inferencePayment.abi.Unpack("validators", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// InferencePaymentEIP712DomainChanged represents a EIP712DomainChanged event raised by the InferencePayment contract.
type InferencePaymentEIP712DomainChanged struct {
	Raw *types.Log // Blockchain specific contextual infos
}

const InferencePaymentEIP712DomainChangedEventName = "EIP712DomainChanged"

// ContractEventName returns the user-defined event name.
func (InferencePaymentEIP712DomainChanged) ContractEventName() string {
	return InferencePaymentEIP712DomainChangedEventName
}

// UnpackEIP712DomainChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event EIP712DomainChanged()
func (inferencePayment *InferencePayment) UnpackEIP712DomainChangedEvent(log *types.Log) (*InferencePaymentEIP712DomainChanged, error) {
	event := "EIP712DomainChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentEIP712DomainChanged)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// InferencePaymentInferenceRequestCompleted represents a InferenceRequestCompleted event raised by the InferencePayment contract.
type InferencePaymentInferenceRequestCompleted struct {
	RequestId      [32]byte
	ResultHash     [32]byte
	ComputeNode    common.Address
	ComputeAmount  *big.Int
	GatewayAmount  *big.Int
	ValidatorShare *big.Int
	Signers        *big.Int
	TreasuryAmount *big.Int
	Raw            *types.Log // Blockchain specific contextual infos
}

const InferencePaymentInferenceRequestCompletedEventName = "InferenceRequestCompleted"

// ContractEventName returns the user-defined event name.
func (InferencePaymentInferenceRequestCompleted) ContractEventName() string {
	return InferencePaymentInferenceRequestCompletedEventName
}

// UnpackInferenceRequestCompletedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event InferenceRequestCompleted(bytes32 indexed requestId, bytes32 resultHash, address indexed computeNode, uint256 computeAmount, uint256 gatewayAmount, uint256 validatorShare, uint256 signers, uint256 treasuryAmount)
func (inferencePayment *InferencePayment) UnpackInferenceRequestCompletedEvent(log *types.Log) (*InferencePaymentInferenceRequestCompleted, error) {
	event := "InferenceRequestCompleted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentInferenceRequestCompleted)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// InferencePaymentInferenceRequestInitiated represents a InferenceRequestInitiated event raised by the InferencePayment contract.
type InferencePaymentInferenceRequestInitiated struct {
	RequestId   [32]byte
	Client      common.Address
	Gateway     common.Address
	ComputeNode common.Address
	Amount      *big.Int
	ExpiresAt   uint64
	ConfigHash  [32]byte
	Raw         *types.Log // Blockchain specific contextual infos
}

const InferencePaymentInferenceRequestInitiatedEventName = "InferenceRequestInitiated"

// ContractEventName returns the user-defined event name.
func (InferencePaymentInferenceRequestInitiated) ContractEventName() string {
	return InferencePaymentInferenceRequestInitiatedEventName
}

// UnpackInferenceRequestInitiatedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event InferenceRequestInitiated(bytes32 indexed requestId, address indexed client, address indexed gateway, address computeNode, uint256 amount, uint64 expiresAt, bytes32 configHash)
func (inferencePayment *InferencePayment) UnpackInferenceRequestInitiatedEvent(log *types.Log) (*InferencePaymentInferenceRequestInitiated, error) {
	event := "InferenceRequestInitiated"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentInferenceRequestInitiated)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// InferencePaymentInferenceRequestRefunded represents a InferenceRequestRefunded event raised by the InferencePayment contract.
type InferencePaymentInferenceRequestRefunded struct {
	RequestId [32]byte
	Client    common.Address
	Amount    *big.Int
	Reason    uint8
	Raw       *types.Log // Blockchain specific contextual infos
}

const InferencePaymentInferenceRequestRefundedEventName = "InferenceRequestRefunded"

// ContractEventName returns the user-defined event name.
func (InferencePaymentInferenceRequestRefunded) ContractEventName() string {
	return InferencePaymentInferenceRequestRefundedEventName
}

// UnpackInferenceRequestRefundedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event InferenceRequestRefunded(bytes32 indexed requestId, address indexed client, uint256 amount, uint8 reason)
func (inferencePayment *InferencePayment) UnpackInferenceRequestRefundedEvent(log *types.Log) (*InferencePaymentInferenceRequestRefunded, error) {
	event := "InferenceRequestRefunded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentInferenceRequestRefunded)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// InferencePaymentMaxRequestTTLChanged represents a MaxRequestTTLChanged event raised by the InferencePayment contract.
type InferencePaymentMaxRequestTTLChanged struct {
	Ttl uint64
	Raw *types.Log // Blockchain specific contextual infos
}

const InferencePaymentMaxRequestTTLChangedEventName = "MaxRequestTTLChanged"

// ContractEventName returns the user-defined event name.
func (InferencePaymentMaxRequestTTLChanged) ContractEventName() string {
	return InferencePaymentMaxRequestTTLChangedEventName
}

// UnpackMaxRequestTTLChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event MaxRequestTTLChanged(uint64 ttl)
func (inferencePayment *InferencePayment) UnpackMaxRequestTTLChangedEvent(log *types.Log) (*InferencePaymentMaxRequestTTLChanged, error) {
	event := "MaxRequestTTLChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentMaxRequestTTLChanged)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// InferencePaymentOwnershipTransferred represents a OwnershipTransferred event raised by the InferencePayment contract.
type InferencePaymentOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const InferencePaymentOwnershipTransferredEventName = "OwnershipTransferred"

// ContractEventName returns the user-defined event name.
func (InferencePaymentOwnershipTransferred) ContractEventName() string {
	return InferencePaymentOwnershipTransferredEventName
}

// UnpackOwnershipTransferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (inferencePayment *InferencePayment) UnpackOwnershipTransferredEvent(log *types.Log) (*InferencePaymentOwnershipTransferred, error) {
	event := "OwnershipTransferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentOwnershipTransferred)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// InferencePaymentQuorumChanged represents a QuorumChanged event raised by the InferencePayment contract.
type InferencePaymentQuorumChanged struct {
	Quorum     uint8
	MaxSigners uint8
	Raw        *types.Log // Blockchain specific contextual infos
}

const InferencePaymentQuorumChangedEventName = "QuorumChanged"

// ContractEventName returns the user-defined event name.
func (InferencePaymentQuorumChanged) ContractEventName() string {
	return InferencePaymentQuorumChangedEventName
}

// UnpackQuorumChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event QuorumChanged(uint8 quorum, uint8 maxSigners)
func (inferencePayment *InferencePayment) UnpackQuorumChangedEvent(log *types.Log) (*InferencePaymentQuorumChanged, error) {
	event := "QuorumChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentQuorumChanged)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// InferencePaymentTreasuryChanged represents a TreasuryChanged event raised by the InferencePayment contract.
type InferencePaymentTreasuryChanged struct {
	Treasury common.Address
	Raw      *types.Log // Blockchain specific contextual infos
}

const InferencePaymentTreasuryChangedEventName = "TreasuryChanged"

// ContractEventName returns the user-defined event name.
func (InferencePaymentTreasuryChanged) ContractEventName() string {
	return InferencePaymentTreasuryChangedEventName
}

// UnpackTreasuryChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event TreasuryChanged(address treasury)
func (inferencePayment *InferencePayment) UnpackTreasuryChangedEvent(log *types.Log) (*InferencePaymentTreasuryChanged, error) {
	event := "TreasuryChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != inferencePayment.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(InferencePaymentTreasuryChanged)
	if len(log.Data) > 0 {
		if err := inferencePayment.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range inferencePayment.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (inferencePayment *InferencePayment) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["AmountTooLarge"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackAmountTooLargeError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["BadComputeSignature"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackBadComputeSignatureError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["ECDSAInvalidSignature"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackECDSAInvalidSignatureError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["ECDSAInvalidSignatureLength"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackECDSAInvalidSignatureLengthError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["ECDSAInvalidSignatureS"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackECDSAInvalidSignatureSError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["EmptyBatch"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackEmptyBatchError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["InvalidExpiry"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackInvalidExpiryError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["InvalidQuorum"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackInvalidQuorumError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["InvalidShortString"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackInvalidShortStringError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["NotActiveValidator"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackNotActiveValidatorError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["NotGateway"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackNotGatewayError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["NotGatewayOrOwner"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackNotGatewayOrOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["OwnableInvalidOwner"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackOwnableInvalidOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["OwnableUnauthorizedAccount"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackOwnableUnauthorizedAccountError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["ReentrancyGuardReentrantCall"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackReentrancyGuardReentrantCallError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["RequestExists"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackRequestExistsError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["RequestExpired"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackRequestExpiredError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["RequestNotExpired"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackRequestNotExpiredError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["RequestNotPending"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackRequestNotPendingError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["SafeERC20FailedOperation"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackSafeERC20FailedOperationError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["SignersNotAscending"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackSignersNotAscendingError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["StringTooLong"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackStringTooLongError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["WrongSignatureCount"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackWrongSignatureCountError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["ZeroAddress"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackZeroAddressError(raw[4:])
	}
	if bytes.Equal(raw[:4], inferencePayment.abi.Errors["ZeroAmount"].ID.Bytes()[:4]) {
		return inferencePayment.UnpackZeroAmountError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// InferencePaymentAmountTooLarge represents a AmountTooLarge error raised by the InferencePayment contract.
type InferencePaymentAmountTooLarge struct {
	Amount *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AmountTooLarge(uint256 amount)
func InferencePaymentAmountTooLargeErrorID() common.Hash {
	return common.HexToHash("0x08083b2a16b607736bde3b2f81a2e47b6cddd068539243b1d8b47462dd533e58")
}

// UnpackAmountTooLargeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AmountTooLarge(uint256 amount)
func (inferencePayment *InferencePayment) UnpackAmountTooLargeError(raw []byte) (*InferencePaymentAmountTooLarge, error) {
	out := new(InferencePaymentAmountTooLarge)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "AmountTooLarge", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentBadComputeSignature represents a BadComputeSignature error raised by the InferencePayment contract.
type InferencePaymentBadComputeSignature struct {
	Recovered   common.Address
	ComputeNode common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadComputeSignature(address recovered, address computeNode)
func InferencePaymentBadComputeSignatureErrorID() common.Hash {
	return common.HexToHash("0x106af75142bece4806791dd9fad257631f8407fcf8702fbe07ae9ae73ded9d69")
}

// UnpackBadComputeSignatureError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadComputeSignature(address recovered, address computeNode)
func (inferencePayment *InferencePayment) UnpackBadComputeSignatureError(raw []byte) (*InferencePaymentBadComputeSignature, error) {
	out := new(InferencePaymentBadComputeSignature)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "BadComputeSignature", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentECDSAInvalidSignature represents a ECDSAInvalidSignature error raised by the InferencePayment contract.
type InferencePaymentECDSAInvalidSignature struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ECDSAInvalidSignature()
func InferencePaymentECDSAInvalidSignatureErrorID() common.Hash {
	return common.HexToHash("0xf645eedf0193584640b6b90cb9477e4c95b98636c148a891d4c0a146dc46e75a")
}

// UnpackECDSAInvalidSignatureError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ECDSAInvalidSignature()
func (inferencePayment *InferencePayment) UnpackECDSAInvalidSignatureError(raw []byte) (*InferencePaymentECDSAInvalidSignature, error) {
	out := new(InferencePaymentECDSAInvalidSignature)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "ECDSAInvalidSignature", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentECDSAInvalidSignatureLength represents a ECDSAInvalidSignatureLength error raised by the InferencePayment contract.
type InferencePaymentECDSAInvalidSignatureLength struct {
	Length *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ECDSAInvalidSignatureLength(uint256 length)
func InferencePaymentECDSAInvalidSignatureLengthErrorID() common.Hash {
	return common.HexToHash("0xfce698f7e8e5342cd615f641317bc45fe7e1e4a8b0a14dd1383ff8dc9c41917f")
}

// UnpackECDSAInvalidSignatureLengthError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ECDSAInvalidSignatureLength(uint256 length)
func (inferencePayment *InferencePayment) UnpackECDSAInvalidSignatureLengthError(raw []byte) (*InferencePaymentECDSAInvalidSignatureLength, error) {
	out := new(InferencePaymentECDSAInvalidSignatureLength)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "ECDSAInvalidSignatureLength", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentECDSAInvalidSignatureS represents a ECDSAInvalidSignatureS error raised by the InferencePayment contract.
type InferencePaymentECDSAInvalidSignatureS struct {
	S [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ECDSAInvalidSignatureS(bytes32 s)
func InferencePaymentECDSAInvalidSignatureSErrorID() common.Hash {
	return common.HexToHash("0xd78bce0cccb935155ed6428d1c13e50b7f3550fd2b66b9fe266006fea4a5e1eb")
}

// UnpackECDSAInvalidSignatureSError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ECDSAInvalidSignatureS(bytes32 s)
func (inferencePayment *InferencePayment) UnpackECDSAInvalidSignatureSError(raw []byte) (*InferencePaymentECDSAInvalidSignatureS, error) {
	out := new(InferencePaymentECDSAInvalidSignatureS)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "ECDSAInvalidSignatureS", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentEmptyBatch represents a EmptyBatch error raised by the InferencePayment contract.
type InferencePaymentEmptyBatch struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error EmptyBatch()
func InferencePaymentEmptyBatchErrorID() common.Hash {
	return common.HexToHash("0xc2e5347df6cf8d1bf68f8a9651642312bd381b900d857d97cd665976180d6ae0")
}

// UnpackEmptyBatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error EmptyBatch()
func (inferencePayment *InferencePayment) UnpackEmptyBatchError(raw []byte) (*InferencePaymentEmptyBatch, error) {
	out := new(InferencePaymentEmptyBatch)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "EmptyBatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentInvalidExpiry represents a InvalidExpiry error raised by the InferencePayment contract.
type InferencePaymentInvalidExpiry struct {
	ExpiresAt uint64
	Now       *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidExpiry(uint64 expiresAt, uint256 now_)
func InferencePaymentInvalidExpiryErrorID() common.Hash {
	return common.HexToHash("0xd236324af7d35731106d6aa10a80311545abcca5f7cbbda564de3ba6b030a357")
}

// UnpackInvalidExpiryError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidExpiry(uint64 expiresAt, uint256 now_)
func (inferencePayment *InferencePayment) UnpackInvalidExpiryError(raw []byte) (*InferencePaymentInvalidExpiry, error) {
	out := new(InferencePaymentInvalidExpiry)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "InvalidExpiry", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentInvalidQuorum represents a InvalidQuorum error raised by the InferencePayment contract.
type InferencePaymentInvalidQuorum struct {
	Quorum     uint8
	MaxSigners uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidQuorum(uint8 quorum, uint8 maxSigners)
func InferencePaymentInvalidQuorumErrorID() common.Hash {
	return common.HexToHash("0xe6c51310a8e58008df0f406a67594055a4e12e9f3adca128e03dd951882a2c82")
}

// UnpackInvalidQuorumError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidQuorum(uint8 quorum, uint8 maxSigners)
func (inferencePayment *InferencePayment) UnpackInvalidQuorumError(raw []byte) (*InferencePaymentInvalidQuorum, error) {
	out := new(InferencePaymentInvalidQuorum)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "InvalidQuorum", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentInvalidShortString represents a InvalidShortString error raised by the InferencePayment contract.
type InferencePaymentInvalidShortString struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidShortString()
func InferencePaymentInvalidShortStringErrorID() common.Hash {
	return common.HexToHash("0xb3512b0c6163e5f0bafab72bb631b9d58cd7a731b082f910338aa21c83d5c274")
}

// UnpackInvalidShortStringError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidShortString()
func (inferencePayment *InferencePayment) UnpackInvalidShortStringError(raw []byte) (*InferencePaymentInvalidShortString, error) {
	out := new(InferencePaymentInvalidShortString)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "InvalidShortString", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentNotActiveValidator represents a NotActiveValidator error raised by the InferencePayment contract.
type InferencePaymentNotActiveValidator struct {
	Signer common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotActiveValidator(address signer)
func InferencePaymentNotActiveValidatorErrorID() common.Hash {
	return common.HexToHash("0x37603bef1c886187eea48eb8c5a55257b8484328ed6f0c5c9a6de8c55eb490bf")
}

// UnpackNotActiveValidatorError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotActiveValidator(address signer)
func (inferencePayment *InferencePayment) UnpackNotActiveValidatorError(raw []byte) (*InferencePaymentNotActiveValidator, error) {
	out := new(InferencePaymentNotActiveValidator)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "NotActiveValidator", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentNotGateway represents a NotGateway error raised by the InferencePayment contract.
type InferencePaymentNotGateway struct {
	Caller  common.Address
	Gateway common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotGateway(address caller, address gateway)
func InferencePaymentNotGatewayErrorID() common.Hash {
	return common.HexToHash("0xb41a0fd7b4dbc742f750790de38cd939e99c5621724371bed5e12dd399ff87ce")
}

// UnpackNotGatewayError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotGateway(address caller, address gateway)
func (inferencePayment *InferencePayment) UnpackNotGatewayError(raw []byte) (*InferencePaymentNotGateway, error) {
	out := new(InferencePaymentNotGateway)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "NotGateway", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentNotGatewayOrOwner represents a NotGatewayOrOwner error raised by the InferencePayment contract.
type InferencePaymentNotGatewayOrOwner struct {
	Caller common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotGatewayOrOwner(address caller)
func InferencePaymentNotGatewayOrOwnerErrorID() common.Hash {
	return common.HexToHash("0x17c68bfc259d5a0fbf75fbfc3a138067a26e6319d8d706ddce969b19263760ca")
}

// UnpackNotGatewayOrOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotGatewayOrOwner(address caller)
func (inferencePayment *InferencePayment) UnpackNotGatewayOrOwnerError(raw []byte) (*InferencePaymentNotGatewayOrOwner, error) {
	out := new(InferencePaymentNotGatewayOrOwner)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "NotGatewayOrOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentOwnableInvalidOwner represents a OwnableInvalidOwner error raised by the InferencePayment contract.
type InferencePaymentOwnableInvalidOwner struct {
	Owner common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableInvalidOwner(address owner)
func InferencePaymentOwnableInvalidOwnerErrorID() common.Hash {
	return common.HexToHash("0x1e4fbdf7f3ef8bcaa855599e3abf48b232380f183f08f6f813d9ffa5bd585188")
}

// UnpackOwnableInvalidOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableInvalidOwner(address owner)
func (inferencePayment *InferencePayment) UnpackOwnableInvalidOwnerError(raw []byte) (*InferencePaymentOwnableInvalidOwner, error) {
	out := new(InferencePaymentOwnableInvalidOwner)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "OwnableInvalidOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentOwnableUnauthorizedAccount represents a OwnableUnauthorizedAccount error raised by the InferencePayment contract.
type InferencePaymentOwnableUnauthorizedAccount struct {
	Account common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func InferencePaymentOwnableUnauthorizedAccountErrorID() common.Hash {
	return common.HexToHash("0x118cdaa7a341953d1887a2245fd6665d741c67c8c50581daa59e1d03373fa188")
}

// UnpackOwnableUnauthorizedAccountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func (inferencePayment *InferencePayment) UnpackOwnableUnauthorizedAccountError(raw []byte) (*InferencePaymentOwnableUnauthorizedAccount, error) {
	out := new(InferencePaymentOwnableUnauthorizedAccount)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "OwnableUnauthorizedAccount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentReentrancyGuardReentrantCall represents a ReentrancyGuardReentrantCall error raised by the InferencePayment contract.
type InferencePaymentReentrancyGuardReentrantCall struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ReentrancyGuardReentrantCall()
func InferencePaymentReentrancyGuardReentrantCallErrorID() common.Hash {
	return common.HexToHash("0x3ee5aeb571de7fc460830b4d0017439a1ca56fb0bc39062227ade4fe4a24c1ca")
}

// UnpackReentrancyGuardReentrantCallError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ReentrancyGuardReentrantCall()
func (inferencePayment *InferencePayment) UnpackReentrancyGuardReentrantCallError(raw []byte) (*InferencePaymentReentrancyGuardReentrantCall, error) {
	out := new(InferencePaymentReentrancyGuardReentrantCall)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "ReentrancyGuardReentrantCall", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentRequestExists represents a RequestExists error raised by the InferencePayment contract.
type InferencePaymentRequestExists struct {
	RequestId [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error RequestExists(bytes32 requestId)
func InferencePaymentRequestExistsErrorID() common.Hash {
	return common.HexToHash("0xa4a99c616d02e5fa46d76c49d9c2b5b27f0113bffe42915cbd5fac4371c3f97f")
}

// UnpackRequestExistsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error RequestExists(bytes32 requestId)
func (inferencePayment *InferencePayment) UnpackRequestExistsError(raw []byte) (*InferencePaymentRequestExists, error) {
	out := new(InferencePaymentRequestExists)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "RequestExists", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentRequestExpired represents a RequestExpired error raised by the InferencePayment contract.
type InferencePaymentRequestExpired struct {
	RequestId [32]byte
	ExpiresAt uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error RequestExpired(bytes32 requestId, uint64 expiresAt)
func InferencePaymentRequestExpiredErrorID() common.Hash {
	return common.HexToHash("0xda564c64700a0745ae502bc798d8e4e1ae2a4ab5027badbb7481853c434af6ff")
}

// UnpackRequestExpiredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error RequestExpired(bytes32 requestId, uint64 expiresAt)
func (inferencePayment *InferencePayment) UnpackRequestExpiredError(raw []byte) (*InferencePaymentRequestExpired, error) {
	out := new(InferencePaymentRequestExpired)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "RequestExpired", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentRequestNotExpired represents a RequestNotExpired error raised by the InferencePayment contract.
type InferencePaymentRequestNotExpired struct {
	RequestId [32]byte
	ExpiresAt uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error RequestNotExpired(bytes32 requestId, uint64 expiresAt)
func InferencePaymentRequestNotExpiredErrorID() common.Hash {
	return common.HexToHash("0x91308fb8fcb1f868b5edf9cf2857c03d1f78b172f6f763879b754503fcee68e9")
}

// UnpackRequestNotExpiredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error RequestNotExpired(bytes32 requestId, uint64 expiresAt)
func (inferencePayment *InferencePayment) UnpackRequestNotExpiredError(raw []byte) (*InferencePaymentRequestNotExpired, error) {
	out := new(InferencePaymentRequestNotExpired)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "RequestNotExpired", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentRequestNotPending represents a RequestNotPending error raised by the InferencePayment contract.
type InferencePaymentRequestNotPending struct {
	RequestId [32]byte
	Status    uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error RequestNotPending(bytes32 requestId, uint8 status)
func InferencePaymentRequestNotPendingErrorID() common.Hash {
	return common.HexToHash("0xece4eb7b15bd1ee258a02f52a668197654a5e9108fc70cee9d85cb03bfce50b4")
}

// UnpackRequestNotPendingError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error RequestNotPending(bytes32 requestId, uint8 status)
func (inferencePayment *InferencePayment) UnpackRequestNotPendingError(raw []byte) (*InferencePaymentRequestNotPending, error) {
	out := new(InferencePaymentRequestNotPending)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "RequestNotPending", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentSafeERC20FailedOperation represents a SafeERC20FailedOperation error raised by the InferencePayment contract.
type InferencePaymentSafeERC20FailedOperation struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SafeERC20FailedOperation(address token)
func InferencePaymentSafeERC20FailedOperationErrorID() common.Hash {
	return common.HexToHash("0x5274afe73c98b4749fc91ffae6b7b574e7842cb2144a159e9377a5f20b32edf9")
}

// UnpackSafeERC20FailedOperationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SafeERC20FailedOperation(address token)
func (inferencePayment *InferencePayment) UnpackSafeERC20FailedOperationError(raw []byte) (*InferencePaymentSafeERC20FailedOperation, error) {
	out := new(InferencePaymentSafeERC20FailedOperation)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "SafeERC20FailedOperation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentSignersNotAscending represents a SignersNotAscending error raised by the InferencePayment contract.
type InferencePaymentSignersNotAscending struct {
	Previous common.Address
	Signer   common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SignersNotAscending(address previous, address signer)
func InferencePaymentSignersNotAscendingErrorID() common.Hash {
	return common.HexToHash("0x45907fac58b68b2554fd0b2841a93fad341642915e8ae6c36b5deb29171a6eec")
}

// UnpackSignersNotAscendingError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SignersNotAscending(address previous, address signer)
func (inferencePayment *InferencePayment) UnpackSignersNotAscendingError(raw []byte) (*InferencePaymentSignersNotAscending, error) {
	out := new(InferencePaymentSignersNotAscending)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "SignersNotAscending", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentStringTooLong represents a StringTooLong error raised by the InferencePayment contract.
type InferencePaymentStringTooLong struct {
	Str string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error StringTooLong(string str)
func InferencePaymentStringTooLongErrorID() common.Hash {
	return common.HexToHash("0x305a27a93f8e33b7392df0a0f91d6fc63847395853c45991eec52dbf24d72381")
}

// UnpackStringTooLongError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error StringTooLong(string str)
func (inferencePayment *InferencePayment) UnpackStringTooLongError(raw []byte) (*InferencePaymentStringTooLong, error) {
	out := new(InferencePaymentStringTooLong)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "StringTooLong", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentWrongSignatureCount represents a WrongSignatureCount error raised by the InferencePayment contract.
type InferencePaymentWrongSignatureCount struct {
	Count      *big.Int
	Quorum     uint8
	MaxSigners uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error WrongSignatureCount(uint256 count, uint8 quorum, uint8 maxSigners)
func InferencePaymentWrongSignatureCountErrorID() common.Hash {
	return common.HexToHash("0xe2290607670ddb13c81fca9f6f5d9994da6922fcd79d054b8b1c48abe2b9bbc5")
}

// UnpackWrongSignatureCountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error WrongSignatureCount(uint256 count, uint8 quorum, uint8 maxSigners)
func (inferencePayment *InferencePayment) UnpackWrongSignatureCountError(raw []byte) (*InferencePaymentWrongSignatureCount, error) {
	out := new(InferencePaymentWrongSignatureCount)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "WrongSignatureCount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentZeroAddress represents a ZeroAddress error raised by the InferencePayment contract.
type InferencePaymentZeroAddress struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAddress()
func InferencePaymentZeroAddressErrorID() common.Hash {
	return common.HexToHash("0xd92e233df2717d4a40030e20904abd27b68fcbeede117eaaccbbdac9618c8c73")
}

// UnpackZeroAddressError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAddress()
func (inferencePayment *InferencePayment) UnpackZeroAddressError(raw []byte) (*InferencePaymentZeroAddress, error) {
	out := new(InferencePaymentZeroAddress)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "ZeroAddress", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// InferencePaymentZeroAmount represents a ZeroAmount error raised by the InferencePayment contract.
type InferencePaymentZeroAmount struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAmount()
func InferencePaymentZeroAmountErrorID() common.Hash {
	return common.HexToHash("0x1f2a2005cb66a8e145327e8814e243a0996aec9bfe1e15a495778b1236dbd485")
}

// UnpackZeroAmountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAmount()
func (inferencePayment *InferencePayment) UnpackZeroAmountError(raw []byte) (*InferencePaymentZeroAmount, error) {
	out := new(InferencePaymentZeroAmount)
	if err := inferencePayment.abi.UnpackIntoInterface(out, "ZeroAmount", raw); err != nil {
		return nil, err
	}
	return out, nil
}
