// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package registry

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

// ValidatorRegistrySignedCompletion is an auto generated low-level Go binding around an user-defined struct.
type ValidatorRegistrySignedCompletion struct {
	ResultHash  [32]byte
	ComputeNode common.Address
	ExecMillis  uint64
	Signature   []byte
}

// ValidatorRegistryValidator is an auto generated low-level Go binding around an user-defined struct.
type ValidatorRegistryValidator struct {
	Stake              *big.Int
	Unstaking          *big.Int
	UnstakeAvailableAt uint64
	Registered         bool
	Jailed             bool
	Leaving            bool
}

// ValidatorRegistryMetaData contains all meta data concerning the ValidatorRegistry contract.
var ValidatorRegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"token_\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"treasury_\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"minStake_\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"unstakeDelay_\",\"type\":\"uint64\"},{\"internalType\":\"address\",\"name\":\"owner_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"AlreadyRegistered\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ECDSAInvalidSignature\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"length\",\"type\":\"uint256\"}],\"name\":\"ECDSAInvalidSignatureLength\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"s\",\"type\":\"bytes32\"}],\"name\":\"ECDSAInvalidSignatureS\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"EvidenceAlreadyUsed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"}],\"name\":\"InvalidUnstakeAmount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"Jailed\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotEquivocation\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotJailed\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotRegistered\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NothingToSlash\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NothingToWithdraw\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"OwnableInvalidOwner\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"OwnableUnauthorizedAccount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"PaymentContractAlreadySet\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"PaymentContractNotSet\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ReentrancyGuardReentrantCall\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"SafeERC20FailedOperation\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"minStake\",\"type\":\"uint256\"}],\"name\":\"StakeBelowMinimum\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"availableAt\",\"type\":\"uint64\"}],\"name\":\"UnstakeLocked\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"recovered\",\"type\":\"address\"}],\"name\":\"WrongSigner\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAmount\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"minStake\",\"type\":\"uint256\"}],\"name\":\"MinStakeChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"payment\",\"type\":\"address\"}],\"name\":\"PaymentContractSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"}],\"name\":\"Reinstated\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"enumValidatorRegistry.Offense\",\"name\":\"offense\",\"type\":\"uint8\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"reporter\",\"type\":\"address\"}],\"name\":\"Slashed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"}],\"name\":\"StakeAdded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"address\",\"name\":\"treasury\",\"type\":\"address\"}],\"name\":\"TreasuryChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"delay\",\"type\":\"uint64\"}],\"name\":\"UnstakeDelayChanged\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"availableAt\",\"type\":\"uint64\"}],\"name\":\"UnstakeRequested\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"}],\"name\":\"ValidatorRegistered\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Withdrawn\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"activeValidators\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"addrs\",\"type\":\"address[]\"},{\"internalType\":\"uint256[]\",\"name\":\"stakes\",\"type\":\"uint256[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"addStake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"evidenceUsed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"}],\"name\":\"getValidator\",\"outputs\":[{\"components\":[{\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unstaking\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"unstakeAvailableAt\",\"type\":\"uint64\"},{\"internalType\":\"bool\",\"name\":\"registered\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"jailed\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"leaving\",\"type\":\"bool\"}],\"internalType\":\"structValidatorRegistry.Validator\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"}],\"name\":\"isActiveValidator\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"minStake\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"payment\",\"outputs\":[{\"internalType\":\"contractICompletionHasher\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"enumValidatorRegistry.Offense\",\"name\":\"offense\",\"type\":\"uint8\"}],\"name\":\"penaltyBps\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"registerValidator\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"registeredCount\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"}],\"name\":\"reinstate\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"renounceOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"requestUnstake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"minStake_\",\"type\":\"uint256\"}],\"name\":\"setMinStake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"contractICompletionHasher\",\"name\":\"payment_\",\"type\":\"address\"}],\"name\":\"setPaymentContract\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"treasury_\",\"type\":\"address\"}],\"name\":\"setTreasury\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"delay\",\"type\":\"uint64\"}],\"name\":\"setUnstakeDelay\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"},{\"internalType\":\"enumValidatorRegistry.Offense\",\"name\":\"offense\",\"type\":\"uint8\"}],\"name\":\"slash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"resultHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"execMillis\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"signature\",\"type\":\"bytes\"}],\"internalType\":\"structValidatorRegistry.SignedCompletion\",\"name\":\"a\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"resultHash\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"computeNode\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"execMillis\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"signature\",\"type\":\"bytes\"}],\"internalType\":\"structValidatorRegistry.SignedCompletion\",\"name\":\"b\",\"type\":\"tuple\"}],\"name\":\"slashForEquivocation\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"token\",\"outputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"treasury\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"unstakeDelay\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "ValidatorRegistry",
	Bin: "0x60a060405234801561000f575f5ffd5b506040516123a83803806123a883398101604081905261002e9161015d565b806001600160a01b03811661005c57604051631e4fbdf760e01b81525f600482015260240160405180910390fd5b610065816100f7565b50600180556001600160a01b038516158061008757506001600160a01b038416155b156100a55760405163d92e233d60e01b815260040160405180910390fd5b506001600160a01b03938416608052600280546001600160a01b0319169390941692909217909255600391909155600480546001600160401b0319166001600160401b039092169190911790556101cf565b5f80546001600160a01b038381166001600160a01b0319831681178455604051919092169283917f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e09190a35050565b6001600160a01b038116811461015a575f5ffd5b50565b5f5f5f5f5f60a08688031215610171575f5ffd5b855161017c81610146565b602087015190955061018d81610146565b6040870151606088015191955093506001600160401b03811681146101b0575f5ffd5b60808701519092506101c181610146565b809150509295509295909350565b6080516121ac6101fc5f395f818161050c0152818161087801528181610b92015261176201526121ac5ff3fe608060405234801561000f575f5ffd5b506004361061019a575f3560e01c8063715018a6116100e857806392c090d311610093578063eb4f16b51161006e578063eb4f16b5146104ce578063f0f44260146104e1578063f2fde38b146104f4578063fc0c546a14610507575f5ffd5b806392c090d314610483578063d2d49c4b146104a5578063df5afe6f146104bb575f5ffd5b80638abb20cc116100c35780638abb20cc146104405780638c80fd90146104535780638da5cb5b14610466575f5ffd5b8063715018a61461041257806382bb1bca1461041a578063830aebd91461042d575f5ffd5b80633ccfd60b1161014857806361c21e861161012357806361c21e86146103cc57806361d027b3146103df578063679cdb06146103ff575f5ffd5b80633ccfd60b1461035057806340550a1c1461035857806342f6487a1461037b575f5ffd5b806330b409a41161017857806330b409a4146103075780633222012f1461031a578063375b3c0a14610347575f5ffd5b80631904bb2e1461019e578063210ff9bb146102e057806323095721146102f2575b5f5ffd5b61027c6101ac366004611dc9565b6040805160c0810182525f80825260208201819052918101829052606081018290526080810182905260a08101919091525073ffffffffffffffffffffffffffffffffffffffff165f90815260056020908152604091829020825160c081018452815481526001820154928101929092526002015467ffffffffffffffff81169282019290925260ff680100000000000000008304811615156060830152690100000000000000000083048116151560808301526a0100000000000000000000909204909116151560a082015290565b6040516102d791905f60c082019050825182526020830151602083015267ffffffffffffffff604084015116604083015260608301511515606083015260808301511515608083015260a0830151151560a083015292915050565b60405180910390f35b6006545b6040519081526020016102d7565b610305610300366004611de4565b61052e565b005b610305610315366004611e0e565b61074b565b60045461032e9067ffffffffffffffff1681565b60405167ffffffffffffffff90911681526020016102d7565b6102e460035481565b610305610773565b61036b610366366004611dc9565b6108ac565b60405190151581526020016102d7565b6004546103a79068010000000000000000900473ffffffffffffffffffffffffffffffffffffffff1681565b60405173ffffffffffffffffffffffffffffffffffffffff90911681526020016102d7565b6102e46103da366004611e41565b610943565b6002546103a79073ffffffffffffffffffffffffffffffffffffffff1681565b61030561040d366004611de4565b6109f6565b610305610bc4565b610305610428366004611e5a565b610bd5565b61030561043b366004611dc9565b610c4b565b61030561044e366004611dc9565b610d7a565b610305610461366004611de4565b610eac565b5f5473ffffffffffffffffffffffffffffffffffffffff166103a7565b61036b610491366004611de4565b60076020525f908152604090205460ff1681565b6104ad610ee9565b6040516102d7929190611e81565b6103056104c9366004611f2d565b6110b3565b6103056104dc366004611de4565b61128c565b6103056104ef366004611dc9565b6113bd565b610305610502366004611dc9565b611485565b6103a77f000000000000000000000000000000000000000000000000000000000000000081565b6105366114e5565b335f908152600560205260409020600281015468010000000000000000900460ff1661058e576040517faba4733900000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b81158061059b5750805482115b156105e85780546040517fc77a1ba60000000000000000000000000000000000000000000000000000000081526105df918491600401918252602082015260400190565b60405180910390fd5b80545f906105f7908490611fda565b90508015801590610609575060035481105b1561064d5781546040517fc77a1ba60000000000000000000000000000000000000000000000000000000081526105df918591600401918252602082015260400190565b8082556001820180548491905f90610666908490611fed565b90915550505f8190036106ab576002820180547fffffffffffffffffffffffffffffffffffffffffff00ffffffffffffffffffff166a01000000000000000000001790555b6004545f906106c49067ffffffffffffffff1642612000565b6002840180547fffffffffffffffffffffffffffffffffffffffffffffffff00000000000000001667ffffffffffffffff831690811790915560408051878152602081019290925291925033917f21020437c0e4b58b34bd7ac1f1cef55e7820d1bcd93824ceb273cad96eea704c910160405180910390a250505061074860018055565b50565b610753611528565b61075b6114e5565b61076682823361157a565b61076f60018055565b5050565b61077b6114e5565b335f908152600560205260408120600181015490918190036107c9576040517fd0d04f6000000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b600282015467ffffffffffffffff164210156108235760028201546040517f18c6ab0e00000000000000000000000000000000000000000000000000000000815267ffffffffffffffff90911660048201526024016105df565b5f600183015560405181815233907f7084f5476618d8e60b11ef0d7d3f06914655adb8793e28ff7f018d4c76d505d59060200160405180910390a261089f73ffffffffffffffffffffffffffffffffffffffff7f0000000000000000000000000000000000000000000000000000000000000000163383611795565b50506108aa60018055565b565b73ffffffffffffffffffffffffffffffffffffffff81165f908152600560205260408120600281015468010000000000000000900460ff168015610902575060028101546901000000000000000000900460ff16155b8015610921575060028101546a0100000000000000000000900460ff16155b80156109305750600354815410155b801561093c5750805415155b9392505050565b5f8082600581111561095757610957612020565b036109655750611388919050565b600182600581111561097957610979612020565b036109875750612710919050565b600282600581111561099b5761099b612020565b036109a95750610bb8919050565b60038260058111156109bd576109bd612020565b036109cb57506103e8919050565b60048260058111156109df576109df612020565b036109ed5750611388919050565b50612710919050565b6109fe6114e5565b335f908152600560205260409020600281015468010000000000000000900460ff1615610a57576040517f3a81d6fc00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b600354821080610a65575081155b15610aaa576003546040517f78e030db0000000000000000000000000000000000000000000000000000000081526105df918491600401918252602082015260400190565b6002810180547fffffffffffffffffffffffffffffffffffffffffffffff00ffffffffffffffff1668010000000000000000179055818155600680546001810182555f919091527ff652222313e28459528d920b65115c16c04f3efc82aaedc97be59f3f377c0d3f0180547fffffffffffffffffffffffff000000000000000000000000000000000000000016339081179091556040517fb4a7f5c563a0e35593d156394ed681bdc9c39467d7d722749d23862c2e4b712c90610b709085815260200190565b60405180910390a2610bba73ffffffffffffffffffffffffffffffffffffffff7f00000000000000000000000000000000000000000000000000000000000000001633308561181b565b5061074860018055565b610bcc611528565b6108aa5f611861565b610bdd611528565b600480547fffffffffffffffffffffffffffffffffffffffffffffffff00000000000000001667ffffffffffffffff83169081179091556040519081527f4d696496eab06874b6fa741d2cd9a830772f511427642dd0f90717b5e7ff136c906020015b60405180910390a150565b610c53611528565b73ffffffffffffffffffffffffffffffffffffffff81165f908152600560205260409020600281015468010000000000000000900460ff16610cc1576040517faba4733900000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b60028101546901000000000000000000900460ff16610d0c576040517ff9200d4f00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6002810180547fffffffffffffffffffffffffffffffffffffffffffff00ffffffffffffffffff16905560405173ffffffffffffffffffffffffffffffffffffffff8316907f9ce910e1241f6f0534eef8d2bfc73b49ed0ddf882a0a36b78f697e062adf9ded905f90a25050565b610d82611528565b73ffffffffffffffffffffffffffffffffffffffff8116610dcf576040517fd92e233d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b60045468010000000000000000900473ffffffffffffffffffffffffffffffffffffffff1615610e2b576040517f0f5c37f700000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b600480547fffffffff0000000000000000000000000000000000000000ffffffffffffffff166801000000000000000073ffffffffffffffffffffffffffffffffffffffff8416908102919091179091556040519081527f216f704f521926981eacdbf94a75190271180eb7711e1955547cbdb270a7d77090602001610c40565b610eb4611528565b60038190556040518181527f4d36185d86b6e1aefe7e3c72bbcf2329ea433a9dc2655a34739abe83a7ce74a090602001610c40565b60065460609081905f805b82811015610f5157610f3860068281548110610f1257610f1261204d565b5f9182526020909120015473ffffffffffffffffffffffffffffffffffffffff166108ac565b15610f4957610f468261207a565b91505b600101610ef4565b508067ffffffffffffffff811115610f6b57610f6b6120b1565b604051908082528060200260200182016040528015610f94578160200160208202803683370190505b5093508067ffffffffffffffff811115610fb057610fb06120b1565b604051908082528060200260200182016040528015610fd9578160200160208202803683370190505b5092505f5f5b838110156110ab575f60068281548110610ffb57610ffb61204d565b5f9182526020909120015473ffffffffffffffffffffffffffffffffffffffff169050611027816108ac565b156110a2578087848151811061103f5761103f61204d565b73ffffffffffffffffffffffffffffffffffffffff9283166020918202929092018101919091529082165f90815260059091526040902054865187908590811061108b5761108b61204d565b602090810291909101015261109f8361207a565b92505b50600101610fdf565b505050509091565b6110bb6114e5565b60045468010000000000000000900473ffffffffffffffffffffffffffffffffffffffff16611116576040517fd1be92cb00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b8035823503611151576040517f0b69ebb300000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f61115d8585856118d5565b90505f61116b8686856118d5565b90505f5f82841061117d578284611180565b83835b6040805173ffffffffffffffffffffffffffffffffffffffff8c1660208201529081018390526060810182905291935091505f90608001604080517fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe081840301815291815281516020928301205f818152600790935291205490915060ff1615611236576040517fc84c217500000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f81815260076020526040902080547fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff001660011790556112788960053361157a565b505050505061128660018055565b50505050565b6112946114e5565b335f908152600560205260409020600281015468010000000000000000900460ff166112ec576040517faba4733900000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b815f03611325576040517f1f2a200500000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b81815f015f8282546113379190611fed565b909155505060028101546a0100000000000000000000900460ff1615611382576002810180547fffffffffffffffffffffffffffffffffffffffffff00ffffffffffffffffffff1690555b805460405133917f270d6dd254edd1d985c81cf7861b8f28fb06b6d719df04d90464034d4341244091610b7091868252602082015260400190565b6113c5611528565b73ffffffffffffffffffffffffffffffffffffffff8116611412576040517fd92e233d00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b600280547fffffffffffffffffffffffff00000000000000000000000000000000000000001673ffffffffffffffffffffffffffffffffffffffff83169081179091556040519081527fc714d22a2f08b695f81e7c707058db484aa5b4d6b4c9fd64beb10fe85832f60890602001610c40565b61148d611528565b73ffffffffffffffffffffffffffffffffffffffff81166114dc576040517f1e4fbdf70000000000000000000000000000000000000000000000000000000081525f60048201526024016105df565b61074881611861565b600260015403611521576040517f3ee5aeb500000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6002600155565b5f5473ffffffffffffffffffffffffffffffffffffffff1633146108aa576040517f118cdaa70000000000000000000000000000000000000000000000000000000081523360048201526024016105df565b73ffffffffffffffffffffffffffffffffffffffff83165f908152600560205260409020600281015468010000000000000000900460ff166115e8576040517faba4733900000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b5f6115f284610943565b90505f61271082845f015461160791906120de565b61161191906120f5565b90505f61271083856001015461162791906120de565b61163191906120f5565b90505f61163e8284611fed565b9050805f03611679576040517f38fbeb3400000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b82855f015f82825461168b9190611fda565b9250508190555081856001015f8282546116a59190611fda565b90915550506002850180547fffffffffffffffffffffffffffffffffffffffffffff00ffffffffffffffffff1669010000000000000000001790558660058111156116f2576116f2612020565b6040805183815273ffffffffffffffffffffffffffffffffffffffff89811660208301528b16917fb619db9cf7cffb748cca1ba08d6f9135f2fa747d11e9676d68faf1dfc7945921910160405180910390a360025461178b9073ffffffffffffffffffffffffffffffffffffffff7f00000000000000000000000000000000000000000000000000000000000000008116911683611795565b5050505050505050565b60405173ffffffffffffffffffffffffffffffffffffffff83811660248301526044820183905261181691859182169063a9059cbb906064015b604051602081830303815290604052915060e01b6020820180517bffffffffffffffffffffffffffffffffffffffffffffffffffffffff8381831617835250505050611aa0565b505050565b60405173ffffffffffffffffffffffffffffffffffffffff84811660248301528381166044830152606482018390526112869186918216906323b872dd906084016117cf565b5f805473ffffffffffffffffffffffffffffffffffffffff8381167fffffffffffffffffffffffff0000000000000000000000000000000000000000831681178455604051919092169283917f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e09190a35050565b6004545f9068010000000000000000900473ffffffffffffffffffffffffffffffffffffffff1663455d595e8484356119146040870160208801611dc9565b6119246060880160408901611e5a565b6040517fffffffff0000000000000000000000000000000000000000000000000000000060e087901b1681526004810194909452602484019290925273ffffffffffffffffffffffffffffffffffffffff16604483015267ffffffffffffffff166064820152608401602060405180830381865afa1580156119a8573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906119cc919061212d565b90505f611a19826119e06060860186612144565b8080601f0160208091040260200160405190810160405280939291908181526020018383808284375f92019190915250611b3f92505050565b90508473ffffffffffffffffffffffffffffffffffffffff168173ffffffffffffffffffffffffffffffffffffffff1614611a98576040517f32c15fc200000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff821660048201526024016105df565b509392505050565b5f5f60205f8451602086015f885af180611abf576040513d5f823e3d81fd5b50505f513d91508115611ad6578060011415611af0565b73ffffffffffffffffffffffffffffffffffffffff84163b155b15611286576040517f5274afe700000000000000000000000000000000000000000000000000000000815273ffffffffffffffffffffffffffffffffffffffff851660048201526024016105df565b5f5f5f5f611b4d8686611b69565b925092509250611b5d8282611bb2565b50909150505b92915050565b5f5f5f8351604103611ba0576020840151604085015160608601515f1a611b9288828585611cb5565b955095509550505050611bab565b505081515f91506002905b9250925092565b5f826003811115611bc557611bc5612020565b03611bce575050565b6001826003811115611be257611be2612020565b03611c19576040517ff645eedf00000000000000000000000000000000000000000000000000000000815260040160405180910390fd5b6002826003811115611c2d57611c2d612020565b03611c67576040517ffce698f7000000000000000000000000000000000000000000000000000000008152600481018290526024016105df565b6003826003811115611c7b57611c7b612020565b0361076f576040517fd78bce0c000000000000000000000000000000000000000000000000000000008152600481018290526024016105df565b5f80807f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0841115611cee57505f91506003905082611d9e565b604080515f808252602082018084528a905260ff891692820192909252606081018790526080810186905260019060a0016020604051602081039080840390855afa158015611d3f573d5f5f3e3d5ffd5b50506040517fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe0015191505073ffffffffffffffffffffffffffffffffffffffff8116611d9557505f925060019150829050611d9e565b92505f91508190505b9450945094915050565b73ffffffffffffffffffffffffffffffffffffffff81168114610748575f5ffd5b5f60208284031215611dd9575f5ffd5b813561093c81611da8565b5f60208284031215611df4575f5ffd5b5035919050565b803560068110611e09575f5ffd5b919050565b5f5f60408385031215611e1f575f5ffd5b8235611e2a81611da8565b9150611e3860208401611dfb565b90509250929050565b5f60208284031215611e51575f5ffd5b61093c82611dfb565b5f60208284031215611e6a575f5ffd5b813567ffffffffffffffff8116811461093c575f5ffd5b604080825283519082018190525f9060208501906060840190835b81811015611ed057835173ffffffffffffffffffffffffffffffffffffffff16835260209384019390920191600101611e9c565b5050838103602080860191909152855180835291810192508501905f5b81811015611f0b578251845260209384019390920191600101611eed565b50919695505050505050565b5f60808284031215611f27575f5ffd5b50919050565b5f5f5f5f60808587031215611f40575f5ffd5b8435611f4b81611da8565b935060208501359250604085013567ffffffffffffffff811115611f6d575f5ffd5b611f7987828801611f17565b925050606085013567ffffffffffffffff811115611f95575f5ffd5b611fa187828801611f17565b91505092959194509250565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52601160045260245ffd5b81810381811115611b6357611b63611fad565b80820180821115611b6357611b63611fad565b67ffffffffffffffff8181168382160190811115611b6357611b63611fad565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52602160045260245ffd5b7f4e487b71000000000000000000000000000000000000000000000000000000005f52603260045260245ffd5b5f7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff82036120aa576120aa611fad565b5060010190565b7f4e487b71000000000000000000000000000000000000000000000000000000005f52604160045260245ffd5b8082028115828204841417611b6357611b63611fad565b5f82612128577f4e487b71000000000000000000000000000000000000000000000000000000005f52601260045260245ffd5b500490565b5f6020828403121561213d575f5ffd5b5051919050565b5f5f83357fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe1843603018112612177575f5ffd5b83018035915067ffffffffffffffff821115612191575f5ffd5b6020019150368190038213156121a5575f5ffd5b925092905056",
}

// ValidatorRegistry is an auto generated Go binding around an Ethereum contract.
type ValidatorRegistry struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ValidatorRegistry) GetABI() abi.ABI {
	return c.abi
}

// NewValidatorRegistry creates a new instance of ValidatorRegistry.
func NewValidatorRegistry() *ValidatorRegistry {
	parsed, err := ValidatorRegistryMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ValidatorRegistry{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ValidatorRegistry) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address token_, address treasury_, uint256 minStake_, uint64 unstakeDelay_, address owner_) returns()
func (validatorRegistry *ValidatorRegistry) PackConstructor(token_ common.Address, treasury_ common.Address, minStake_ *big.Int, unstakeDelay_ uint64, owner_ common.Address) []byte {
	enc, err := validatorRegistry.abi.Pack("", token_, treasury_, minStake_, unstakeDelay_, owner_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackActiveValidators is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd2d49c4b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function activeValidators() view returns(address[] addrs, uint256[] stakes)
func (validatorRegistry *ValidatorRegistry) PackActiveValidators() []byte {
	enc, err := validatorRegistry.abi.Pack("activeValidators")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackActiveValidators is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd2d49c4b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function activeValidators() view returns(address[] addrs, uint256[] stakes)
func (validatorRegistry *ValidatorRegistry) TryPackActiveValidators() ([]byte, error) {
	return validatorRegistry.abi.Pack("activeValidators")
}

// ActiveValidatorsOutput serves as a container for the return parameters of contract
// method ActiveValidators.
type ActiveValidatorsOutput struct {
	Addrs  []common.Address
	Stakes []*big.Int
}

// UnpackActiveValidators is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd2d49c4b.
//
// Solidity: function activeValidators() view returns(address[] addrs, uint256[] stakes)
func (validatorRegistry *ValidatorRegistry) UnpackActiveValidators(data []byte) (ActiveValidatorsOutput, error) {
	out, err := validatorRegistry.abi.Unpack("activeValidators", data)
	outstruct := new(ActiveValidatorsOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Addrs = *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	outstruct.Stakes = *abi.ConvertType(out[1], new([]*big.Int)).(*[]*big.Int)
	return *outstruct, nil
}

// PackAddStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xeb4f16b5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addStake(uint256 amount) returns()
func (validatorRegistry *ValidatorRegistry) PackAddStake(amount *big.Int) []byte {
	enc, err := validatorRegistry.abi.Pack("addStake", amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xeb4f16b5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addStake(uint256 amount) returns()
func (validatorRegistry *ValidatorRegistry) TryPackAddStake(amount *big.Int) ([]byte, error) {
	return validatorRegistry.abi.Pack("addStake", amount)
}

// PackEvidenceUsed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x92c090d3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function evidenceUsed(bytes32 ) view returns(bool)
func (validatorRegistry *ValidatorRegistry) PackEvidenceUsed(arg0 [32]byte) []byte {
	enc, err := validatorRegistry.abi.Pack("evidenceUsed", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackEvidenceUsed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x92c090d3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function evidenceUsed(bytes32 ) view returns(bool)
func (validatorRegistry *ValidatorRegistry) TryPackEvidenceUsed(arg0 [32]byte) ([]byte, error) {
	return validatorRegistry.abi.Pack("evidenceUsed", arg0)
}

// UnpackEvidenceUsed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x92c090d3.
//
// Solidity: function evidenceUsed(bytes32 ) view returns(bool)
func (validatorRegistry *ValidatorRegistry) UnpackEvidenceUsed(data []byte) (bool, error) {
	out, err := validatorRegistry.abi.Unpack("evidenceUsed", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackGetValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1904bb2e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getValidator(address validator) view returns((uint256,uint256,uint64,bool,bool,bool))
func (validatorRegistry *ValidatorRegistry) PackGetValidator(validator common.Address) []byte {
	enc, err := validatorRegistry.abi.Pack("getValidator", validator)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1904bb2e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getValidator(address validator) view returns((uint256,uint256,uint64,bool,bool,bool))
func (validatorRegistry *ValidatorRegistry) TryPackGetValidator(validator common.Address) ([]byte, error) {
	return validatorRegistry.abi.Pack("getValidator", validator)
}

// UnpackGetValidator is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1904bb2e.
//
// Solidity: function getValidator(address validator) view returns((uint256,uint256,uint64,bool,bool,bool))
func (validatorRegistry *ValidatorRegistry) UnpackGetValidator(data []byte) (ValidatorRegistryValidator, error) {
	out, err := validatorRegistry.abi.Unpack("getValidator", data)
	if err != nil {
		return *new(ValidatorRegistryValidator), err
	}
	out0 := *abi.ConvertType(out[0], new(ValidatorRegistryValidator)).(*ValidatorRegistryValidator)
	return out0, nil
}

// PackIsActiveValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40550a1c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isActiveValidator(address validator) view returns(bool)
func (validatorRegistry *ValidatorRegistry) PackIsActiveValidator(validator common.Address) []byte {
	enc, err := validatorRegistry.abi.Pack("isActiveValidator", validator)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsActiveValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40550a1c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isActiveValidator(address validator) view returns(bool)
func (validatorRegistry *ValidatorRegistry) TryPackIsActiveValidator(validator common.Address) ([]byte, error) {
	return validatorRegistry.abi.Pack("isActiveValidator", validator)
}

// UnpackIsActiveValidator is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x40550a1c.
//
// Solidity: function isActiveValidator(address validator) view returns(bool)
func (validatorRegistry *ValidatorRegistry) UnpackIsActiveValidator(data []byte) (bool, error) {
	out, err := validatorRegistry.abi.Unpack("isActiveValidator", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackMinStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x375b3c0a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function minStake() view returns(uint256)
func (validatorRegistry *ValidatorRegistry) PackMinStake() []byte {
	enc, err := validatorRegistry.abi.Pack("minStake")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMinStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x375b3c0a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function minStake() view returns(uint256)
func (validatorRegistry *ValidatorRegistry) TryPackMinStake() ([]byte, error) {
	return validatorRegistry.abi.Pack("minStake")
}

// UnpackMinStake is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x375b3c0a.
//
// Solidity: function minStake() view returns(uint256)
func (validatorRegistry *ValidatorRegistry) UnpackMinStake(data []byte) (*big.Int, error) {
	out, err := validatorRegistry.abi.Unpack("minStake", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (validatorRegistry *ValidatorRegistry) PackOwner() []byte {
	enc, err := validatorRegistry.abi.Pack("owner")
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
func (validatorRegistry *ValidatorRegistry) TryPackOwner() ([]byte, error) {
	return validatorRegistry.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (validatorRegistry *ValidatorRegistry) UnpackOwner(data []byte) (common.Address, error) {
	out, err := validatorRegistry.abi.Unpack("owner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackPayment is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x42f6487a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function payment() view returns(address)
func (validatorRegistry *ValidatorRegistry) PackPayment() []byte {
	enc, err := validatorRegistry.abi.Pack("payment")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPayment is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x42f6487a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function payment() view returns(address)
func (validatorRegistry *ValidatorRegistry) TryPackPayment() ([]byte, error) {
	return validatorRegistry.abi.Pack("payment")
}

// UnpackPayment is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x42f6487a.
//
// Solidity: function payment() view returns(address)
func (validatorRegistry *ValidatorRegistry) UnpackPayment(data []byte) (common.Address, error) {
	out, err := validatorRegistry.abi.Unpack("payment", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackPenaltyBps is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x61c21e86.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function penaltyBps(uint8 offense) pure returns(uint256)
func (validatorRegistry *ValidatorRegistry) PackPenaltyBps(offense uint8) []byte {
	enc, err := validatorRegistry.abi.Pack("penaltyBps", offense)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPenaltyBps is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x61c21e86.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function penaltyBps(uint8 offense) pure returns(uint256)
func (validatorRegistry *ValidatorRegistry) TryPackPenaltyBps(offense uint8) ([]byte, error) {
	return validatorRegistry.abi.Pack("penaltyBps", offense)
}

// UnpackPenaltyBps is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x61c21e86.
//
// Solidity: function penaltyBps(uint8 offense) pure returns(uint256)
func (validatorRegistry *ValidatorRegistry) UnpackPenaltyBps(data []byte) (*big.Int, error) {
	out, err := validatorRegistry.abi.Unpack("penaltyBps", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackRegisterValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x679cdb06.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function registerValidator(uint256 amount) returns()
func (validatorRegistry *ValidatorRegistry) PackRegisterValidator(amount *big.Int) []byte {
	enc, err := validatorRegistry.abi.Pack("registerValidator", amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegisterValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x679cdb06.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function registerValidator(uint256 amount) returns()
func (validatorRegistry *ValidatorRegistry) TryPackRegisterValidator(amount *big.Int) ([]byte, error) {
	return validatorRegistry.abi.Pack("registerValidator", amount)
}

// PackRegisteredCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x210ff9bb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function registeredCount() view returns(uint256)
func (validatorRegistry *ValidatorRegistry) PackRegisteredCount() []byte {
	enc, err := validatorRegistry.abi.Pack("registeredCount")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegisteredCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x210ff9bb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function registeredCount() view returns(uint256)
func (validatorRegistry *ValidatorRegistry) TryPackRegisteredCount() ([]byte, error) {
	return validatorRegistry.abi.Pack("registeredCount")
}

// UnpackRegisteredCount is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x210ff9bb.
//
// Solidity: function registeredCount() view returns(uint256)
func (validatorRegistry *ValidatorRegistry) UnpackRegisteredCount(data []byte) (*big.Int, error) {
	out, err := validatorRegistry.abi.Unpack("registeredCount", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackReinstate is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x830aebd9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reinstate(address validator) returns()
func (validatorRegistry *ValidatorRegistry) PackReinstate(validator common.Address) []byte {
	enc, err := validatorRegistry.abi.Pack("reinstate", validator)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReinstate is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x830aebd9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reinstate(address validator) returns()
func (validatorRegistry *ValidatorRegistry) TryPackReinstate(validator common.Address) ([]byte, error) {
	return validatorRegistry.abi.Pack("reinstate", validator)
}

// PackRenounceOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x715018a6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function renounceOwnership() returns()
func (validatorRegistry *ValidatorRegistry) PackRenounceOwnership() []byte {
	enc, err := validatorRegistry.abi.Pack("renounceOwnership")
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
func (validatorRegistry *ValidatorRegistry) TryPackRenounceOwnership() ([]byte, error) {
	return validatorRegistry.abi.Pack("renounceOwnership")
}

// PackRequestUnstake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23095721.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestUnstake(uint256 amount) returns()
func (validatorRegistry *ValidatorRegistry) PackRequestUnstake(amount *big.Int) []byte {
	enc, err := validatorRegistry.abi.Pack("requestUnstake", amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestUnstake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23095721.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestUnstake(uint256 amount) returns()
func (validatorRegistry *ValidatorRegistry) TryPackRequestUnstake(amount *big.Int) ([]byte, error) {
	return validatorRegistry.abi.Pack("requestUnstake", amount)
}

// PackSetMinStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8c80fd90.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setMinStake(uint256 minStake_) returns()
func (validatorRegistry *ValidatorRegistry) PackSetMinStake(minStake *big.Int) []byte {
	enc, err := validatorRegistry.abi.Pack("setMinStake", minStake)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetMinStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8c80fd90.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setMinStake(uint256 minStake_) returns()
func (validatorRegistry *ValidatorRegistry) TryPackSetMinStake(minStake *big.Int) ([]byte, error) {
	return validatorRegistry.abi.Pack("setMinStake", minStake)
}

// PackSetPaymentContract is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8abb20cc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setPaymentContract(address payment_) returns()
func (validatorRegistry *ValidatorRegistry) PackSetPaymentContract(payment common.Address) []byte {
	enc, err := validatorRegistry.abi.Pack("setPaymentContract", payment)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetPaymentContract is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8abb20cc.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setPaymentContract(address payment_) returns()
func (validatorRegistry *ValidatorRegistry) TryPackSetPaymentContract(payment common.Address) ([]byte, error) {
	return validatorRegistry.abi.Pack("setPaymentContract", payment)
}

// PackSetTreasury is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf0f44260.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setTreasury(address treasury_) returns()
func (validatorRegistry *ValidatorRegistry) PackSetTreasury(treasury common.Address) []byte {
	enc, err := validatorRegistry.abi.Pack("setTreasury", treasury)
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
func (validatorRegistry *ValidatorRegistry) TryPackSetTreasury(treasury common.Address) ([]byte, error) {
	return validatorRegistry.abi.Pack("setTreasury", treasury)
}

// PackSetUnstakeDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x82bb1bca.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setUnstakeDelay(uint64 delay) returns()
func (validatorRegistry *ValidatorRegistry) PackSetUnstakeDelay(delay uint64) []byte {
	enc, err := validatorRegistry.abi.Pack("setUnstakeDelay", delay)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetUnstakeDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x82bb1bca.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setUnstakeDelay(uint64 delay) returns()
func (validatorRegistry *ValidatorRegistry) TryPackSetUnstakeDelay(delay uint64) ([]byte, error) {
	return validatorRegistry.abi.Pack("setUnstakeDelay", delay)
}

// PackSlash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x30b409a4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function slash(address validator, uint8 offense) returns()
func (validatorRegistry *ValidatorRegistry) PackSlash(validator common.Address, offense uint8) []byte {
	enc, err := validatorRegistry.abi.Pack("slash", validator, offense)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSlash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x30b409a4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function slash(address validator, uint8 offense) returns()
func (validatorRegistry *ValidatorRegistry) TryPackSlash(validator common.Address, offense uint8) ([]byte, error) {
	return validatorRegistry.abi.Pack("slash", validator, offense)
}

// PackSlashForEquivocation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdf5afe6f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function slashForEquivocation(address validator, bytes32 requestId, (bytes32,address,uint64,bytes) a, (bytes32,address,uint64,bytes) b) returns()
func (validatorRegistry *ValidatorRegistry) PackSlashForEquivocation(validator common.Address, requestId [32]byte, a ValidatorRegistrySignedCompletion, b ValidatorRegistrySignedCompletion) []byte {
	enc, err := validatorRegistry.abi.Pack("slashForEquivocation", validator, requestId, a, b)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSlashForEquivocation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdf5afe6f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function slashForEquivocation(address validator, bytes32 requestId, (bytes32,address,uint64,bytes) a, (bytes32,address,uint64,bytes) b) returns()
func (validatorRegistry *ValidatorRegistry) TryPackSlashForEquivocation(validator common.Address, requestId [32]byte, a ValidatorRegistrySignedCompletion, b ValidatorRegistrySignedCompletion) ([]byte, error) {
	return validatorRegistry.abi.Pack("slashForEquivocation", validator, requestId, a, b)
}

// PackToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc0c546a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function token() view returns(address)
func (validatorRegistry *ValidatorRegistry) PackToken() []byte {
	enc, err := validatorRegistry.abi.Pack("token")
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
func (validatorRegistry *ValidatorRegistry) TryPackToken() ([]byte, error) {
	return validatorRegistry.abi.Pack("token")
}

// UnpackToken is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfc0c546a.
//
// Solidity: function token() view returns(address)
func (validatorRegistry *ValidatorRegistry) UnpackToken(data []byte) (common.Address, error) {
	out, err := validatorRegistry.abi.Unpack("token", data)
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
func (validatorRegistry *ValidatorRegistry) PackTransferOwnership(newOwner common.Address) []byte {
	enc, err := validatorRegistry.abi.Pack("transferOwnership", newOwner)
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
func (validatorRegistry *ValidatorRegistry) TryPackTransferOwnership(newOwner common.Address) ([]byte, error) {
	return validatorRegistry.abi.Pack("transferOwnership", newOwner)
}

// PackTreasury is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x61d027b3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function treasury() view returns(address)
func (validatorRegistry *ValidatorRegistry) PackTreasury() []byte {
	enc, err := validatorRegistry.abi.Pack("treasury")
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
func (validatorRegistry *ValidatorRegistry) TryPackTreasury() ([]byte, error) {
	return validatorRegistry.abi.Pack("treasury")
}

// UnpackTreasury is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x61d027b3.
//
// Solidity: function treasury() view returns(address)
func (validatorRegistry *ValidatorRegistry) UnpackTreasury(data []byte) (common.Address, error) {
	out, err := validatorRegistry.abi.Unpack("treasury", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackUnstakeDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3222012f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function unstakeDelay() view returns(uint64)
func (validatorRegistry *ValidatorRegistry) PackUnstakeDelay() []byte {
	enc, err := validatorRegistry.abi.Pack("unstakeDelay")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUnstakeDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3222012f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function unstakeDelay() view returns(uint64)
func (validatorRegistry *ValidatorRegistry) TryPackUnstakeDelay() ([]byte, error) {
	return validatorRegistry.abi.Pack("unstakeDelay")
}

// UnpackUnstakeDelay is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3222012f.
//
// Solidity: function unstakeDelay() view returns(uint64)
func (validatorRegistry *ValidatorRegistry) UnpackUnstakeDelay(data []byte) (uint64, error) {
	out, err := validatorRegistry.abi.Unpack("unstakeDelay", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ccfd60b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdraw() returns()
func (validatorRegistry *ValidatorRegistry) PackWithdraw() []byte {
	enc, err := validatorRegistry.abi.Pack("withdraw")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ccfd60b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdraw() returns()
func (validatorRegistry *ValidatorRegistry) TryPackWithdraw() ([]byte, error) {
	return validatorRegistry.abi.Pack("withdraw")
}

// ValidatorRegistryMinStakeChanged represents a MinStakeChanged event raised by the ValidatorRegistry contract.
type ValidatorRegistryMinStakeChanged struct {
	MinStake *big.Int
	Raw      *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryMinStakeChangedEventName = "MinStakeChanged"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryMinStakeChanged) ContractEventName() string {
	return ValidatorRegistryMinStakeChangedEventName
}

// UnpackMinStakeChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event MinStakeChanged(uint256 minStake)
func (validatorRegistry *ValidatorRegistry) UnpackMinStakeChangedEvent(log *types.Log) (*ValidatorRegistryMinStakeChanged, error) {
	event := "MinStakeChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryMinStakeChanged)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryOwnershipTransferred represents a OwnershipTransferred event raised by the ValidatorRegistry contract.
type ValidatorRegistryOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryOwnershipTransferredEventName = "OwnershipTransferred"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryOwnershipTransferred) ContractEventName() string {
	return ValidatorRegistryOwnershipTransferredEventName
}

// UnpackOwnershipTransferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (validatorRegistry *ValidatorRegistry) UnpackOwnershipTransferredEvent(log *types.Log) (*ValidatorRegistryOwnershipTransferred, error) {
	event := "OwnershipTransferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryOwnershipTransferred)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryPaymentContractSet represents a PaymentContractSet event raised by the ValidatorRegistry contract.
type ValidatorRegistryPaymentContractSet struct {
	Payment common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryPaymentContractSetEventName = "PaymentContractSet"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryPaymentContractSet) ContractEventName() string {
	return ValidatorRegistryPaymentContractSetEventName
}

// UnpackPaymentContractSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event PaymentContractSet(address payment)
func (validatorRegistry *ValidatorRegistry) UnpackPaymentContractSetEvent(log *types.Log) (*ValidatorRegistryPaymentContractSet, error) {
	event := "PaymentContractSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryPaymentContractSet)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryReinstated represents a Reinstated event raised by the ValidatorRegistry contract.
type ValidatorRegistryReinstated struct {
	Validator common.Address
	Raw       *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryReinstatedEventName = "Reinstated"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryReinstated) ContractEventName() string {
	return ValidatorRegistryReinstatedEventName
}

// UnpackReinstatedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Reinstated(address indexed validator)
func (validatorRegistry *ValidatorRegistry) UnpackReinstatedEvent(log *types.Log) (*ValidatorRegistryReinstated, error) {
	event := "Reinstated"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryReinstated)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistrySlashed represents a Slashed event raised by the ValidatorRegistry contract.
type ValidatorRegistrySlashed struct {
	Validator common.Address
	Offense   uint8
	Amount    *big.Int
	Reporter  common.Address
	Raw       *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistrySlashedEventName = "Slashed"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistrySlashed) ContractEventName() string {
	return ValidatorRegistrySlashedEventName
}

// UnpackSlashedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Slashed(address indexed validator, uint8 indexed offense, uint256 amount, address reporter)
func (validatorRegistry *ValidatorRegistry) UnpackSlashedEvent(log *types.Log) (*ValidatorRegistrySlashed, error) {
	event := "Slashed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistrySlashed)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryStakeAdded represents a StakeAdded event raised by the ValidatorRegistry contract.
type ValidatorRegistryStakeAdded struct {
	Validator common.Address
	Amount    *big.Int
	Stake     *big.Int
	Raw       *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryStakeAddedEventName = "StakeAdded"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryStakeAdded) ContractEventName() string {
	return ValidatorRegistryStakeAddedEventName
}

// UnpackStakeAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event StakeAdded(address indexed validator, uint256 amount, uint256 stake)
func (validatorRegistry *ValidatorRegistry) UnpackStakeAddedEvent(log *types.Log) (*ValidatorRegistryStakeAdded, error) {
	event := "StakeAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryStakeAdded)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryTreasuryChanged represents a TreasuryChanged event raised by the ValidatorRegistry contract.
type ValidatorRegistryTreasuryChanged struct {
	Treasury common.Address
	Raw      *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryTreasuryChangedEventName = "TreasuryChanged"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryTreasuryChanged) ContractEventName() string {
	return ValidatorRegistryTreasuryChangedEventName
}

// UnpackTreasuryChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event TreasuryChanged(address treasury)
func (validatorRegistry *ValidatorRegistry) UnpackTreasuryChangedEvent(log *types.Log) (*ValidatorRegistryTreasuryChanged, error) {
	event := "TreasuryChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryTreasuryChanged)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryUnstakeDelayChanged represents a UnstakeDelayChanged event raised by the ValidatorRegistry contract.
type ValidatorRegistryUnstakeDelayChanged struct {
	Delay uint64
	Raw   *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryUnstakeDelayChangedEventName = "UnstakeDelayChanged"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryUnstakeDelayChanged) ContractEventName() string {
	return ValidatorRegistryUnstakeDelayChangedEventName
}

// UnpackUnstakeDelayChangedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event UnstakeDelayChanged(uint64 delay)
func (validatorRegistry *ValidatorRegistry) UnpackUnstakeDelayChangedEvent(log *types.Log) (*ValidatorRegistryUnstakeDelayChanged, error) {
	event := "UnstakeDelayChanged"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryUnstakeDelayChanged)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryUnstakeRequested represents a UnstakeRequested event raised by the ValidatorRegistry contract.
type ValidatorRegistryUnstakeRequested struct {
	Validator   common.Address
	Amount      *big.Int
	AvailableAt uint64
	Raw         *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryUnstakeRequestedEventName = "UnstakeRequested"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryUnstakeRequested) ContractEventName() string {
	return ValidatorRegistryUnstakeRequestedEventName
}

// UnpackUnstakeRequestedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event UnstakeRequested(address indexed validator, uint256 amount, uint64 availableAt)
func (validatorRegistry *ValidatorRegistry) UnpackUnstakeRequestedEvent(log *types.Log) (*ValidatorRegistryUnstakeRequested, error) {
	event := "UnstakeRequested"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryUnstakeRequested)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryValidatorRegistered represents a ValidatorRegistered event raised by the ValidatorRegistry contract.
type ValidatorRegistryValidatorRegistered struct {
	Validator common.Address
	Stake     *big.Int
	Raw       *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryValidatorRegisteredEventName = "ValidatorRegistered"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryValidatorRegistered) ContractEventName() string {
	return ValidatorRegistryValidatorRegisteredEventName
}

// UnpackValidatorRegisteredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ValidatorRegistered(address indexed validator, uint256 stake)
func (validatorRegistry *ValidatorRegistry) UnpackValidatorRegisteredEvent(log *types.Log) (*ValidatorRegistryValidatorRegistered, error) {
	event := "ValidatorRegistered"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryValidatorRegistered)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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

// ValidatorRegistryWithdrawn represents a Withdrawn event raised by the ValidatorRegistry contract.
type ValidatorRegistryWithdrawn struct {
	Validator common.Address
	Amount    *big.Int
	Raw       *types.Log // Blockchain specific contextual infos
}

const ValidatorRegistryWithdrawnEventName = "Withdrawn"

// ContractEventName returns the user-defined event name.
func (ValidatorRegistryWithdrawn) ContractEventName() string {
	return ValidatorRegistryWithdrawnEventName
}

// UnpackWithdrawnEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Withdrawn(address indexed validator, uint256 amount)
func (validatorRegistry *ValidatorRegistry) UnpackWithdrawnEvent(log *types.Log) (*ValidatorRegistryWithdrawn, error) {
	event := "Withdrawn"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validatorRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidatorRegistryWithdrawn)
	if len(log.Data) > 0 {
		if err := validatorRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validatorRegistry.abi.Events[event].Inputs {
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
func (validatorRegistry *ValidatorRegistry) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["AlreadyRegistered"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackAlreadyRegisteredError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["ECDSAInvalidSignature"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackECDSAInvalidSignatureError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["ECDSAInvalidSignatureLength"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackECDSAInvalidSignatureLengthError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["ECDSAInvalidSignatureS"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackECDSAInvalidSignatureSError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["EvidenceAlreadyUsed"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackEvidenceAlreadyUsedError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["InvalidUnstakeAmount"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackInvalidUnstakeAmountError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["Jailed"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackJailedError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["NotEquivocation"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackNotEquivocationError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["NotJailed"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackNotJailedError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["NotRegistered"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackNotRegisteredError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["NothingToSlash"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackNothingToSlashError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["NothingToWithdraw"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackNothingToWithdrawError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["OwnableInvalidOwner"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackOwnableInvalidOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["OwnableUnauthorizedAccount"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackOwnableUnauthorizedAccountError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["PaymentContractAlreadySet"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackPaymentContractAlreadySetError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["PaymentContractNotSet"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackPaymentContractNotSetError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["ReentrancyGuardReentrantCall"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackReentrancyGuardReentrantCallError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["SafeERC20FailedOperation"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackSafeERC20FailedOperationError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["StakeBelowMinimum"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackStakeBelowMinimumError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["UnstakeLocked"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackUnstakeLockedError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["WrongSigner"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackWrongSignerError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["ZeroAddress"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackZeroAddressError(raw[4:])
	}
	if bytes.Equal(raw[:4], validatorRegistry.abi.Errors["ZeroAmount"].ID.Bytes()[:4]) {
		return validatorRegistry.UnpackZeroAmountError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// ValidatorRegistryAlreadyRegistered represents a AlreadyRegistered error raised by the ValidatorRegistry contract.
type ValidatorRegistryAlreadyRegistered struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AlreadyRegistered()
func ValidatorRegistryAlreadyRegisteredErrorID() common.Hash {
	return common.HexToHash("0x3a81d6fc79a5635b1f06f5006b0b65f8bc72a09a41893acedbabc02c660943ca")
}

// UnpackAlreadyRegisteredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AlreadyRegistered()
func (validatorRegistry *ValidatorRegistry) UnpackAlreadyRegisteredError(raw []byte) (*ValidatorRegistryAlreadyRegistered, error) {
	out := new(ValidatorRegistryAlreadyRegistered)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "AlreadyRegistered", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryECDSAInvalidSignature represents a ECDSAInvalidSignature error raised by the ValidatorRegistry contract.
type ValidatorRegistryECDSAInvalidSignature struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ECDSAInvalidSignature()
func ValidatorRegistryECDSAInvalidSignatureErrorID() common.Hash {
	return common.HexToHash("0xf645eedf0193584640b6b90cb9477e4c95b98636c148a891d4c0a146dc46e75a")
}

// UnpackECDSAInvalidSignatureError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ECDSAInvalidSignature()
func (validatorRegistry *ValidatorRegistry) UnpackECDSAInvalidSignatureError(raw []byte) (*ValidatorRegistryECDSAInvalidSignature, error) {
	out := new(ValidatorRegistryECDSAInvalidSignature)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "ECDSAInvalidSignature", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryECDSAInvalidSignatureLength represents a ECDSAInvalidSignatureLength error raised by the ValidatorRegistry contract.
type ValidatorRegistryECDSAInvalidSignatureLength struct {
	Length *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ECDSAInvalidSignatureLength(uint256 length)
func ValidatorRegistryECDSAInvalidSignatureLengthErrorID() common.Hash {
	return common.HexToHash("0xfce698f7e8e5342cd615f641317bc45fe7e1e4a8b0a14dd1383ff8dc9c41917f")
}

// UnpackECDSAInvalidSignatureLengthError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ECDSAInvalidSignatureLength(uint256 length)
func (validatorRegistry *ValidatorRegistry) UnpackECDSAInvalidSignatureLengthError(raw []byte) (*ValidatorRegistryECDSAInvalidSignatureLength, error) {
	out := new(ValidatorRegistryECDSAInvalidSignatureLength)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "ECDSAInvalidSignatureLength", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryECDSAInvalidSignatureS represents a ECDSAInvalidSignatureS error raised by the ValidatorRegistry contract.
type ValidatorRegistryECDSAInvalidSignatureS struct {
	S [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ECDSAInvalidSignatureS(bytes32 s)
func ValidatorRegistryECDSAInvalidSignatureSErrorID() common.Hash {
	return common.HexToHash("0xd78bce0cccb935155ed6428d1c13e50b7f3550fd2b66b9fe266006fea4a5e1eb")
}

// UnpackECDSAInvalidSignatureSError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ECDSAInvalidSignatureS(bytes32 s)
func (validatorRegistry *ValidatorRegistry) UnpackECDSAInvalidSignatureSError(raw []byte) (*ValidatorRegistryECDSAInvalidSignatureS, error) {
	out := new(ValidatorRegistryECDSAInvalidSignatureS)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "ECDSAInvalidSignatureS", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryEvidenceAlreadyUsed represents a EvidenceAlreadyUsed error raised by the ValidatorRegistry contract.
type ValidatorRegistryEvidenceAlreadyUsed struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error EvidenceAlreadyUsed()
func ValidatorRegistryEvidenceAlreadyUsedErrorID() common.Hash {
	return common.HexToHash("0xc84c2175b2d0baea922f0bb9ea0a9853a958eb205ff67c77d0b2f7e52520f93d")
}

// UnpackEvidenceAlreadyUsedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error EvidenceAlreadyUsed()
func (validatorRegistry *ValidatorRegistry) UnpackEvidenceAlreadyUsedError(raw []byte) (*ValidatorRegistryEvidenceAlreadyUsed, error) {
	out := new(ValidatorRegistryEvidenceAlreadyUsed)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "EvidenceAlreadyUsed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryInvalidUnstakeAmount represents a InvalidUnstakeAmount error raised by the ValidatorRegistry contract.
type ValidatorRegistryInvalidUnstakeAmount struct {
	Amount *big.Int
	Stake  *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidUnstakeAmount(uint256 amount, uint256 stake)
func ValidatorRegistryInvalidUnstakeAmountErrorID() common.Hash {
	return common.HexToHash("0xc77a1ba6ac8884fb1e1dd28515ca0b95c0d277a04a30404ca610adf732cc8deb")
}

// UnpackInvalidUnstakeAmountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidUnstakeAmount(uint256 amount, uint256 stake)
func (validatorRegistry *ValidatorRegistry) UnpackInvalidUnstakeAmountError(raw []byte) (*ValidatorRegistryInvalidUnstakeAmount, error) {
	out := new(ValidatorRegistryInvalidUnstakeAmount)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "InvalidUnstakeAmount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryJailed represents a Jailed error raised by the ValidatorRegistry contract.
type ValidatorRegistryJailed struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error Jailed()
func ValidatorRegistryJailedErrorID() common.Hash {
	return common.HexToHash("0x467cdc1b6ad3cc50b59131025e9af44c83dc7966c9e780ce7503006217f1bb76")
}

// UnpackJailedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error Jailed()
func (validatorRegistry *ValidatorRegistry) UnpackJailedError(raw []byte) (*ValidatorRegistryJailed, error) {
	out := new(ValidatorRegistryJailed)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "Jailed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryNotEquivocation represents a NotEquivocation error raised by the ValidatorRegistry contract.
type ValidatorRegistryNotEquivocation struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotEquivocation()
func ValidatorRegistryNotEquivocationErrorID() common.Hash {
	return common.HexToHash("0x0b69ebb3e91c040e54e7281a1414973f85ff57794b8d3cb56db72491dca277c4")
}

// UnpackNotEquivocationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotEquivocation()
func (validatorRegistry *ValidatorRegistry) UnpackNotEquivocationError(raw []byte) (*ValidatorRegistryNotEquivocation, error) {
	out := new(ValidatorRegistryNotEquivocation)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "NotEquivocation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryNotJailed represents a NotJailed error raised by the ValidatorRegistry contract.
type ValidatorRegistryNotJailed struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotJailed()
func ValidatorRegistryNotJailedErrorID() common.Hash {
	return common.HexToHash("0xf9200d4f9403acb31301fdd63749a1f0c233891cee0618b3f06f5f9768d0c018")
}

// UnpackNotJailedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotJailed()
func (validatorRegistry *ValidatorRegistry) UnpackNotJailedError(raw []byte) (*ValidatorRegistryNotJailed, error) {
	out := new(ValidatorRegistryNotJailed)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "NotJailed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryNotRegistered represents a NotRegistered error raised by the ValidatorRegistry contract.
type ValidatorRegistryNotRegistered struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotRegistered()
func ValidatorRegistryNotRegisteredErrorID() common.Hash {
	return common.HexToHash("0xaba47339dbaad712368e6665e6e6eade636ab60e9b7dba037407409b19d7a053")
}

// UnpackNotRegisteredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotRegistered()
func (validatorRegistry *ValidatorRegistry) UnpackNotRegisteredError(raw []byte) (*ValidatorRegistryNotRegistered, error) {
	out := new(ValidatorRegistryNotRegistered)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "NotRegistered", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryNothingToSlash represents a NothingToSlash error raised by the ValidatorRegistry contract.
type ValidatorRegistryNothingToSlash struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NothingToSlash()
func ValidatorRegistryNothingToSlashErrorID() common.Hash {
	return common.HexToHash("0x38fbeb34fc70fd7612ecd7603d509005316bc8c3f394bef31ead760e49cbd86f")
}

// UnpackNothingToSlashError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NothingToSlash()
func (validatorRegistry *ValidatorRegistry) UnpackNothingToSlashError(raw []byte) (*ValidatorRegistryNothingToSlash, error) {
	out := new(ValidatorRegistryNothingToSlash)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "NothingToSlash", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryNothingToWithdraw represents a NothingToWithdraw error raised by the ValidatorRegistry contract.
type ValidatorRegistryNothingToWithdraw struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NothingToWithdraw()
func ValidatorRegistryNothingToWithdrawErrorID() common.Hash {
	return common.HexToHash("0xd0d04f60bf4f7629141a1f00f5d2908fa0f3e15bf4cbf8bb8edc6fcbdf2509fa")
}

// UnpackNothingToWithdrawError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NothingToWithdraw()
func (validatorRegistry *ValidatorRegistry) UnpackNothingToWithdrawError(raw []byte) (*ValidatorRegistryNothingToWithdraw, error) {
	out := new(ValidatorRegistryNothingToWithdraw)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "NothingToWithdraw", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryOwnableInvalidOwner represents a OwnableInvalidOwner error raised by the ValidatorRegistry contract.
type ValidatorRegistryOwnableInvalidOwner struct {
	Owner common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableInvalidOwner(address owner)
func ValidatorRegistryOwnableInvalidOwnerErrorID() common.Hash {
	return common.HexToHash("0x1e4fbdf7f3ef8bcaa855599e3abf48b232380f183f08f6f813d9ffa5bd585188")
}

// UnpackOwnableInvalidOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableInvalidOwner(address owner)
func (validatorRegistry *ValidatorRegistry) UnpackOwnableInvalidOwnerError(raw []byte) (*ValidatorRegistryOwnableInvalidOwner, error) {
	out := new(ValidatorRegistryOwnableInvalidOwner)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "OwnableInvalidOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryOwnableUnauthorizedAccount represents a OwnableUnauthorizedAccount error raised by the ValidatorRegistry contract.
type ValidatorRegistryOwnableUnauthorizedAccount struct {
	Account common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func ValidatorRegistryOwnableUnauthorizedAccountErrorID() common.Hash {
	return common.HexToHash("0x118cdaa7a341953d1887a2245fd6665d741c67c8c50581daa59e1d03373fa188")
}

// UnpackOwnableUnauthorizedAccountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error OwnableUnauthorizedAccount(address account)
func (validatorRegistry *ValidatorRegistry) UnpackOwnableUnauthorizedAccountError(raw []byte) (*ValidatorRegistryOwnableUnauthorizedAccount, error) {
	out := new(ValidatorRegistryOwnableUnauthorizedAccount)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "OwnableUnauthorizedAccount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryPaymentContractAlreadySet represents a PaymentContractAlreadySet error raised by the ValidatorRegistry contract.
type ValidatorRegistryPaymentContractAlreadySet struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error PaymentContractAlreadySet()
func ValidatorRegistryPaymentContractAlreadySetErrorID() common.Hash {
	return common.HexToHash("0x0f5c37f727d980e3980f5b6395095809d06782fe8dd2da6cd46433f54fbdc5a4")
}

// UnpackPaymentContractAlreadySetError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error PaymentContractAlreadySet()
func (validatorRegistry *ValidatorRegistry) UnpackPaymentContractAlreadySetError(raw []byte) (*ValidatorRegistryPaymentContractAlreadySet, error) {
	out := new(ValidatorRegistryPaymentContractAlreadySet)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "PaymentContractAlreadySet", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryPaymentContractNotSet represents a PaymentContractNotSet error raised by the ValidatorRegistry contract.
type ValidatorRegistryPaymentContractNotSet struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error PaymentContractNotSet()
func ValidatorRegistryPaymentContractNotSetErrorID() common.Hash {
	return common.HexToHash("0xd1be92cbd297971dc6ec281c562ff618d55ede7192f4d52761424fae32f327ae")
}

// UnpackPaymentContractNotSetError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error PaymentContractNotSet()
func (validatorRegistry *ValidatorRegistry) UnpackPaymentContractNotSetError(raw []byte) (*ValidatorRegistryPaymentContractNotSet, error) {
	out := new(ValidatorRegistryPaymentContractNotSet)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "PaymentContractNotSet", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryReentrancyGuardReentrantCall represents a ReentrancyGuardReentrantCall error raised by the ValidatorRegistry contract.
type ValidatorRegistryReentrancyGuardReentrantCall struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ReentrancyGuardReentrantCall()
func ValidatorRegistryReentrancyGuardReentrantCallErrorID() common.Hash {
	return common.HexToHash("0x3ee5aeb571de7fc460830b4d0017439a1ca56fb0bc39062227ade4fe4a24c1ca")
}

// UnpackReentrancyGuardReentrantCallError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ReentrancyGuardReentrantCall()
func (validatorRegistry *ValidatorRegistry) UnpackReentrancyGuardReentrantCallError(raw []byte) (*ValidatorRegistryReentrancyGuardReentrantCall, error) {
	out := new(ValidatorRegistryReentrancyGuardReentrantCall)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "ReentrancyGuardReentrantCall", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistrySafeERC20FailedOperation represents a SafeERC20FailedOperation error raised by the ValidatorRegistry contract.
type ValidatorRegistrySafeERC20FailedOperation struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SafeERC20FailedOperation(address token)
func ValidatorRegistrySafeERC20FailedOperationErrorID() common.Hash {
	return common.HexToHash("0x5274afe73c98b4749fc91ffae6b7b574e7842cb2144a159e9377a5f20b32edf9")
}

// UnpackSafeERC20FailedOperationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SafeERC20FailedOperation(address token)
func (validatorRegistry *ValidatorRegistry) UnpackSafeERC20FailedOperationError(raw []byte) (*ValidatorRegistrySafeERC20FailedOperation, error) {
	out := new(ValidatorRegistrySafeERC20FailedOperation)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "SafeERC20FailedOperation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryStakeBelowMinimum represents a StakeBelowMinimum error raised by the ValidatorRegistry contract.
type ValidatorRegistryStakeBelowMinimum struct {
	Stake    *big.Int
	MinStake *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error StakeBelowMinimum(uint256 stake, uint256 minStake)
func ValidatorRegistryStakeBelowMinimumErrorID() common.Hash {
	return common.HexToHash("0x78e030db6dab79f2b1f675555d46c1e1b9504d86f8ec1f9c65f3cd21b236deed")
}

// UnpackStakeBelowMinimumError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error StakeBelowMinimum(uint256 stake, uint256 minStake)
func (validatorRegistry *ValidatorRegistry) UnpackStakeBelowMinimumError(raw []byte) (*ValidatorRegistryStakeBelowMinimum, error) {
	out := new(ValidatorRegistryStakeBelowMinimum)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "StakeBelowMinimum", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryUnstakeLocked represents a UnstakeLocked error raised by the ValidatorRegistry contract.
type ValidatorRegistryUnstakeLocked struct {
	AvailableAt uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnstakeLocked(uint64 availableAt)
func ValidatorRegistryUnstakeLockedErrorID() common.Hash {
	return common.HexToHash("0x18c6ab0ec4b7788d1960f2240f51e8ac776367be32afdbc5ce8d896ed68ef09f")
}

// UnpackUnstakeLockedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnstakeLocked(uint64 availableAt)
func (validatorRegistry *ValidatorRegistry) UnpackUnstakeLockedError(raw []byte) (*ValidatorRegistryUnstakeLocked, error) {
	out := new(ValidatorRegistryUnstakeLocked)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "UnstakeLocked", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryWrongSigner represents a WrongSigner error raised by the ValidatorRegistry contract.
type ValidatorRegistryWrongSigner struct {
	Recovered common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error WrongSigner(address recovered)
func ValidatorRegistryWrongSignerErrorID() common.Hash {
	return common.HexToHash("0x32c15fc200d7dd37fbdda4b6dcf3c666dc26a587020101795852cde5be582e91")
}

// UnpackWrongSignerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error WrongSigner(address recovered)
func (validatorRegistry *ValidatorRegistry) UnpackWrongSignerError(raw []byte) (*ValidatorRegistryWrongSigner, error) {
	out := new(ValidatorRegistryWrongSigner)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "WrongSigner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryZeroAddress represents a ZeroAddress error raised by the ValidatorRegistry contract.
type ValidatorRegistryZeroAddress struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAddress()
func ValidatorRegistryZeroAddressErrorID() common.Hash {
	return common.HexToHash("0xd92e233df2717d4a40030e20904abd27b68fcbeede117eaaccbbdac9618c8c73")
}

// UnpackZeroAddressError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAddress()
func (validatorRegistry *ValidatorRegistry) UnpackZeroAddressError(raw []byte) (*ValidatorRegistryZeroAddress, error) {
	out := new(ValidatorRegistryZeroAddress)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "ZeroAddress", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidatorRegistryZeroAmount represents a ZeroAmount error raised by the ValidatorRegistry contract.
type ValidatorRegistryZeroAmount struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAmount()
func ValidatorRegistryZeroAmountErrorID() common.Hash {
	return common.HexToHash("0x1f2a2005cb66a8e145327e8814e243a0996aec9bfe1e15a495778b1236dbd485")
}

// UnpackZeroAmountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAmount()
func (validatorRegistry *ValidatorRegistry) UnpackZeroAmountError(raw []byte) (*ValidatorRegistryZeroAmount, error) {
	out := new(ValidatorRegistryZeroAmount)
	if err := validatorRegistry.abi.UnpackIntoInterface(out, "ZeroAmount", raw); err != nil {
		return nil, err
	}
	return out, nil
}
