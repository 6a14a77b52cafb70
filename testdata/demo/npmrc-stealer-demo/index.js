'use strict';

// customs demo: the harmless-looking part of the package.
module.exports = function greet(name) {
  return 'hello ' + name;
};
