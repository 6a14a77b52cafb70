'use strict';

// customs demo: an ordinary package that customs should call clean.
// Pads str on the left with ch (default: space) up to len characters.
module.exports = function leftPad(str, len, ch) {
  str = String(str);
  ch = ch === undefined ? ' ' : String(ch);
  while (str.length < len) {
    str = ch + str;
  }
  return str;
};
