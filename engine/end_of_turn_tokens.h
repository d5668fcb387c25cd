// Special tokens that end a turn or a document in the chat formats of common
// small models (<|im_end|>, <|eot_id|>, <end_of_turn>, <|endoftext|>, ...),
// recognized by their text as llama.cpp's vocabulary loader does, so that
// generation stops on them even when a config names only one EOS id.
#ifndef DOOMSCOPE_ENGINE_END_OF_TURN_TOKENS_H_
#define DOOMSCOPE_ENGINE_END_OF_TURN_TOKENS_H_

#include <cstdint>
#include <vector>

#include "engine/tokenizer_impl.h"

namespace doomscope::engine {

// Appends the ids of the control (special) tokens among the known end-of-turn texts.
void AddEndOfTurnTokens(const TokenizerImpl& tokenizer, std::vector<int32_t>* ids);

}  // namespace doomscope::engine

#endif  // DOOMSCOPE_ENGINE_END_OF_TURN_TOKENS_H_
